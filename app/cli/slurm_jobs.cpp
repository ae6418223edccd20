#include "cli/slurm_jobs.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>

#include "util/error.h"

namespace llmap::cli {

CommandResult runCommand(const std::vector<std::string>& argv, bool quietStderr) {
    CommandResult r;
    int fds[2];
    if (pipe(fds) != 0) throw Error("cannot create a pipe", argv.at(0));
    const pid_t pid = fork();
    if (pid < 0) throw Error("cannot start a process", argv.at(0));
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        if (quietStderr) {
            const int null = open("/dev/null", O_WRONLY);
            if (null >= 0) dup2(null, STDERR_FILENO);
        }
        std::vector<char*> args;
        for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        execvp(args[0], args.data());
        _exit(127);
    }
    close(fds[1]);
    char buf[4096];
    ssize_t n;
    while ((n = read(fds[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)) {
        if (n > 0) r.out.append(buf, static_cast<size_t>(n));
    }
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.started = r.status != 127;
    return r;
}

std::string fillTemplate(std::string text, const std::map<std::string, std::string>& fields,
                         const std::string& where) {
    for (const auto& [name, value] : fields) {
        const std::string key = "@" + name + "@";
        for (size_t at = text.find(key); at != std::string::npos;
             at = text.find(key, at + value.size())) {
            text.replace(at, key.size(), value);
        }
    }
    std::smatch m;
    if (std::regex_search(text, m, std::regex("@[A-Z_]+@"))) {
        throw InputError("the template has a field " + m.str() + " that llmap-cli does not know",
                         where, "use the fields of packaging/slurm/README.md");
    }
    return text;
}

std::string indexList(const std::vector<size_t>& idx) {
    std::string out;
    for (size_t i = 0; i < idx.size();) {
        size_t j = i;
        while (j + 1 < idx.size() && idx[j + 1] == idx[j] + 1) ++j;
        if (!out.empty()) out += ",";
        out += std::to_string(idx[i]);
        if (j > i) out += "-" + std::to_string(idx[j]);
        i = j + 1;
    }
    return out;
}

std::vector<size_t> parseIndexList(const std::string& list, size_t tasks) {
    const std::string fix =
        "give task indices such as 3,5,7-9 (0.." + std::to_string(tasks ? tasks - 1 : 0) + ")";
    std::vector<size_t> out;
    std::stringstream ss(list);
    std::string part;
    auto number = [&](const std::string& s) {
        char* end = nullptr;
        const long long v = std::strtoll(s.c_str(), &end, 10);
        if (s.empty() || *end || v < 0 || static_cast<size_t>(v) >= tasks) {
            throw InputError("\"" + s + "\" is not a task index of the manifest", "--indices", fix);
        }
        return static_cast<size_t>(v);
    };
    while (std::getline(ss, part, ',')) {
        const auto dash = part.find('-');
        const size_t a = number(part.substr(0, dash));
        const size_t b = dash == std::string::npos ? a : number(part.substr(dash + 1));
        if (b < a) throw InputError("\"" + part + "\" is a backwards range", "--indices", fix);
        for (size_t i = a; i <= b; ++i) out.push_back(i);
    }
    if (out.empty()) throw InputError("no task index given", "--indices", fix);
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

std::vector<Submission> readSubmissions(const std::string& stateDir) {
    std::vector<Submission> out;
    std::ifstream in(stateDir + "/jobs.tsv");
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::vector<std::string> f;
        std::stringstream ss(line);
        std::string field;
        while (std::getline(ss, field, '\t')) f.push_back(field);
        if (f.size() < 3) continue;
        Submission s{f[0], f[1], f[2], {}};
        for (size_t i = 3; i < f.size(); ++i) s.options.push_back(f[i]);
        out.push_back(std::move(s));
    }
    return out;
}

void appendSubmission(const std::string& stateDir, const Submission& s) {
    const std::string path = stateDir + "/jobs.tsv";
    const bool fresh = !std::ifstream(path).good();
    std::ofstream out(path, std::ios::app);
    if (fresh) out << "# array_job\tmerge_job\tindices\tsubmit options...\n";
    out << s.arrayJob << "\t" << s.mergeJob << "\t" << s.indices;
    for (const std::string& o : s.options) out << "\t" << o;
    out << "\n";
    if (!out) throw Error("cannot record the submitted jobs", path, "check the disk");
}

std::string shellWord(const std::string& s) {
    if (!s.empty() && s.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                          "0123456789_./=:,@%+-") == std::string::npos) {
        return s;
    }
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

}  // namespace llmap::cli

#include "cli/arguments.h"

#include <algorithm>
#include <filesystem>

#include "util/error.h"

namespace llmap::cli {

Arguments::Arguments(const std::string& command, int argc, char** argv, int first,
                     const std::vector<std::string>& valued, const std::vector<std::string>& flags)
    : command_(command) {
    auto contains = [](const std::vector<std::string>& v, const std::string& s) {
        return std::find(v.begin(), v.end(), s) != v.end();
    };
    const std::string seeHelp = "see 'llmap-cli " + command + " --help'";
    for (int i = first; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg.rfind("--", 0) != 0 || arg == "--") {
            positionals_.push_back(arg);
            continue;
        }
        std::string name = arg.substr(2);
        std::optional<std::string> inlineValue;
        if (auto eq = name.find('='); eq != std::string::npos) {
            inlineValue = name.substr(eq + 1);
            name = name.substr(0, eq);
        }
        if (name == "help" || contains(flags, name)) {
            flags_.push_back(name);
        } else if (contains(valued, name)) {
            if (inlineValue) {
                values_[name] = *inlineValue;
            } else if (i + 1 < argc) {
                values_[name] = argv[++i];
            } else {
                throw InputError("the option --" + name + " needs a value", "", seeHelp);
            }
        } else {
            throw InputError("unknown option --" + name, "", seeHelp);
        }
    }
    refuseOutputOverProject();
}

// An output file that is the project itself would replace the project with a CSV.
void Arguments::refuseOutputOverProject() const {
    const auto project = value("project");
    if (!project) return;
    for (const char* name : {"out", "summary", "dendrogram"}) {
        const auto out = value(name);
        if (!out) continue;
        std::error_code ec;
        const bool same = std::filesystem::equivalent(*out, *project, ec) ||
                          std::filesystem::absolute(*out, ec).lexically_normal() ==
                              std::filesystem::absolute(*project, ec).lexically_normal();
        if (same) {
            throw InputError("--" + std::string(name) + " names the project file itself", *out,
                             "write the output to another file");
        }
    }
}

std::optional<std::string> Arguments::value(const std::string& name) const {
    auto it = values_.find(name);
    if (it == values_.end()) return std::nullopt;
    return it->second;
}

std::string Arguments::required(const std::string& name) const {
    auto v = value(name);
    if (!v || v->empty()) {
        throw InputError("the option --" + name + " is required", "",
                         "see 'llmap-cli " + command_ + " --help'");
    }
    return *v;
}

bool Arguments::flag(const std::string& name) const {
    return std::find(flags_.begin(), flags_.end(), name) != flags_.end();
}

}  // namespace llmap::cli

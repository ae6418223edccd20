#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli/arguments.h"
#include "cli/commands.h"
#include "cli/open_project.h"
#include "cli/slurm_jobs.h"
#include "cli/slurm_templates.h"
#include "score/manifest.h"
#include "score/shard.h"
#include "store/project.h"
#include "util/compressed_file.h"
#include "util/error.h"

namespace llmap::cli {

namespace {
namespace fs = std::filesystem;

const char* kHelp =
    R"(Usage: llmap-cli slurm submit --manifest M [--cpu] [--parallel P] [--indices LIST]
                             [--array-template F] [--merge-template F] [--dry-run]
       llmap-cli slurm status --manifest M

submit  writes the scoring array's and the merge's job scripts into M.slurm/ (from the templates
        of packaging/slurm, or your edited copies) and submits them with 'sbatch --parsable':
        the array (one task per manifest task) and the merge, which runs once every task has
        succeeded (--dependency=afterok:ARRAY --kill-on-invalid-dep=yes). Prints the job ids.
  --cpu             the CPU template instead of the GPU one
  --parallel P      at most P tasks at a time (--array=0-N%P)
  --indices LIST    only these tasks, e.g. 3,5,7-9 (to re-run failed tasks), then the merge
  --array-template F, --merge-template F   your copies of the templates (resource lines edited)
  --dry-run         write the scripts, submit nothing
status  reports each task as done (all its shards written), running, pending, failed or not
        submitted, from the shard folder and squeue (sacct too when the cluster keeps
        accounting, and scontrol for jobs that ended recently), whether the merge ran, and the
        command that re-runs only the failed tasks.
        Exit code 1 when a task failed, else 0.
)";

std::string stateDirOf(const std::string& manifest) {
    return manifest + ".slurm";
}

std::string selfPath() {
    std::error_code ec;
    const fs::path p = fs::read_symlink("/proc/self/exe", ec);
    return ec ? std::string("llmap-cli") : p.string();
}

void writeScript(const std::string& path, const std::string& text) {
    {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out << text;
        if (!out) throw Error("cannot write the job script", path, "check the disk");
    }
    fs::permissions(path, fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec,
                    fs::perm_options::add);
}

// sbatch --parsable prints "JOBID" or "JOBID;CLUSTER".
// The options that matter are given on the command line too, where they override the script's
// #SBATCH lines: an edited template that lost one still gives an array and a guarded merge.
std::string submit(const std::string& script, const std::vector<std::string>& options) {
    std::vector<std::string> argv{"sbatch", "--parsable"};
    argv.insert(argv.end(), options.begin(), options.end());
    argv.push_back(script);
    const CommandResult r = runCommand(argv);
    if (!r.started) {
        throw Error("sbatch was not found", script,
                    "run this on a SLURM login node, or submit the script by hand");
    }
    std::string id = r.out.substr(0, r.out.find_first_of(";\n"));
    if (r.status != 0 || id.empty() || id.find_first_not_of("0123456789") != std::string::npos) {
        throw Error("sbatch refused the job (exit " + std::to_string(r.status) + ")", script,
                    "read sbatch's message above; edit the resource lines of your template");
    }
    return id;
}

bool taskDone(const Manifest& m, size_t task) {
    for (const PlannedModel& p : m.tasks[task]) {
        if (!fs::exists(fs::path(m.shardDir) / shardFileName(p.id))) return false;
    }
    return true;
}

int runSubmit(const Arguments& args) {
    const std::string manifestPath = fs::absolute(args.required("manifest")).string();
    const Manifest manifest = readManifest(manifestPath);
    if (manifest.tasks.empty()) {
        std::cout << "the manifest has no task: nothing to score\n";
        return 0;
    }
    std::vector<size_t> indices;
    if (const auto list = args.value("indices")) {
        indices = parseIndexList(*list, manifest.tasks.size());
    } else {
        for (size_t i = 0; i < manifest.tasks.size(); ++i) indices.push_back(i);
    }
    std::string array = indexList(indices);
    if (const auto p = args.value("parallel")) {
        if (p->empty() || p->find_first_not_of("0123456789") != std::string::npos || *p == "0") {
            throw InputError("--parallel must be a whole number > 0, not \"" + *p + "\"",
                             "llmap-cli slurm submit", "give e.g. --parallel 20");
        }
        array += "%" + *p;
    }
    const bool cpu = args.flag("cpu");
    std::vector<std::string> options;
    if (cpu) options.push_back("--cpu");
    std::string arrayTemplate = cpu ? kSlurmArrayCpuTemplate : kSlurmArrayGpuTemplate;
    std::string arrayWhere =
        cpu ? "packaging/slurm/array-cpu.sbatch" : "packaging/slurm/array-gpu.sbatch";
    std::string mergeTemplate = kSlurmMergeTemplate, mergeWhere = "packaging/slurm/merge.sbatch";
    for (const char* name : {"array-template", "merge-template", "parallel"}) {
        if (const auto v = args.value(name)) {
            const std::string value =
                std::string(name) == "parallel" ? *v : fs::absolute(*v).string();
            options.push_back(std::string("--") + name);
            options.push_back(value);
            if (std::string(name) == "array-template") {
                arrayTemplate = readInputFile(value);
                arrayWhere = value;
            } else if (std::string(name) == "merge-template") {
                mergeTemplate = readInputFile(value);
                mergeWhere = value;
            }
        }
    }

    const std::string state = stateDirOf(manifestPath);
    const std::string logs = state + "/logs";
    fs::create_directories(logs);
    fs::create_directories(manifest.shardDir);
    const size_t n = readSubmissions(state).size() + 1;
    std::map<std::string, std::string> fields{
        {"LLMAP_CLI", selfPath()}, {"MANIFEST", manifestPath},    {"ARRAY", array},
        {"LOG_DIR", logs},         {"PROJECT", manifest.project}, {"SHARD_DIR", manifest.shardDir}};
    const std::string arrayScript = state + "/array-" + std::to_string(n) + ".sbatch";
    const std::string mergeScript = state + "/merge-" + std::to_string(n) + ".sbatch";
    writeScript(arrayScript, fillTemplate(arrayTemplate, fields, arrayWhere));
    if (args.flag("dry-run")) {
        fields["ARRAY_JOB"] = "ARRAY_JOB_ID";
        writeScript(mergeScript, fillTemplate(mergeTemplate, fields, mergeWhere));
        std::cout << "array script: " << arrayScript << "\nmerge script: " << mergeScript
                  << " (replace ARRAY_JOB_ID by the array's job id)\nsubmit with:\n"
                  << "  sbatch --parsable --array=" << array << " " << shellWord(arrayScript)
                  << "\n  sbatch --parsable --dependency=afterok:ARRAY_JOB_ID "
                     "--kill-on-invalid-dep=yes "
                  << shellWord(mergeScript) << "\n";
        return 0;
    }
    const std::string arrayJob = submit(arrayScript, {"--array=" + array});
    std::cout << "array job " << arrayJob << ": tasks " << array << " (" << arrayScript << ")\n";
    fields["ARRAY_JOB"] = arrayJob;
    writeScript(mergeScript, fillTemplate(mergeTemplate, fields, mergeWhere));
    std::string mergeJob;
    try {
        mergeJob =
            submit(mergeScript, {"--dependency=afterok:" + arrayJob, "--kill-on-invalid-dep=yes"});
    } catch (const Error&) {
        appendSubmission(state, {arrayJob, "", indexList(indices), options});
        throw;
    }
    appendSubmission(state, {arrayJob, mergeJob, indexList(indices), options});
    std::cout << "merge job " << mergeJob << ": runs when array job " << arrayJob
              << " has succeeded (" << mergeScript << ")\n"
              << "logs: " << logs << "\n"
              << "follow with: llmap-cli slurm status --manifest " << shellWord(manifestPath)
              << "\n";
    return 0;
}

// "123_4|RUNNING" lines of squeue/sacct -> state per array job and index; other lines (a
// pending range "123_[4-7]" without -r, the batch steps) are not needed here.
void parseJobStates(const std::string& out, std::map<std::string, std::string>& states) {
    std::stringstream ss(out);
    std::string line;
    while (std::getline(ss, line)) {
        const auto bar = line.find('|');
        if (bar == std::string::npos) continue;
        std::string id = line.substr(0, bar), state = line.substr(bar + 1);
        state = state.substr(0, state.find(' '));  // "CANCELLED by 0"
        if (!states.count(id)) states[id] = state;
    }
}

// 'scontrol -o show job': one line per job or array task, "JobId=.. ArrayJobId=.. ArrayTaskId=..
// JobState=..".
void parseScontrol(const std::string& out, std::map<std::string, std::string>& states) {
    std::stringstream ss(out);
    std::string line;
    while (std::getline(ss, line)) {
        std::map<std::string, std::string> f;
        std::stringstream words(line);
        std::string w;
        while (words >> w) {
            const auto eq = w.find('=');
            if (eq != std::string::npos) f[w.substr(0, eq)] = w.substr(eq + 1);
        }
        if (!f.count("JobState")) continue;
        const std::string id =
            f.count("ArrayTaskId") && f.count("ArrayJobId") &&
                    f["ArrayTaskId"].find_first_not_of("0123456789") == std::string::npos
                ? f["ArrayJobId"] + "_" + f["ArrayTaskId"]
                : f["JobId"];
        states[id] = f["JobState"];
    }
}

int runStatus(const Arguments& args) {
    const std::string manifestPath = fs::absolute(args.required("manifest")).string();
    const Manifest manifest = readManifest(manifestPath);
    const std::string state = stateDirOf(manifestPath);
    const std::vector<Submission> subs = readSubmissions(state);

    // Queue first (what is pending or running now), then accounting (finished jobs), if any.
    std::map<std::string, std::string> queued, accounted;
    std::vector<std::string> ids;
    for (const Submission& s : subs) {
        ids.push_back(s.arrayJob);
        if (!s.mergeJob.empty()) ids.push_back(s.mergeJob);
    }
    bool haveQueue = false;
    for (const std::string& id : ids) {  // one by one: squeue refuses a list with a purged id
        const CommandResult q = runCommand({"squeue", "-h", "-r", "-j", id, "-o", "%i|%T"}, true);
        if (q.started) haveQueue = true;
        if (q.started && q.status == 0) parseJobStates(q.out, queued);
    }
    // Jobs that ended a short while ago (MinJobAge) are still known to the controller.
    for (const std::string& id : ids) {
        const CommandResult c = runCommand({"scontrol", "-o", "show", "job", id}, true);
        if (c.started && c.status == 0) parseScontrol(c.out, accounted);
    }
    bool haveAccounting = false;
    if (!ids.empty()) {
        std::string list;
        for (const std::string& id : ids) list += (list.empty() ? "" : ",") + id;
        const CommandResult a =
            runCommand({"sacct", "-n", "-P", "-X", "-j", list, "-o", "JobID,State"}, true);
        if (a.started && a.status == 0) {
            haveAccounting = true;
            parseJobStates(a.out, accounted);
        }
    }

    std::map<std::string, std::vector<size_t>> byState;
    std::cout << "task\tstate\tmodels\n";
    for (size_t t = 0; t < manifest.tasks.size(); ++t) {
        std::string st = "not submitted";
        if (taskDone(manifest, t)) {
            st = "done";
        } else {
            for (auto s = subs.rbegin(); s != subs.rend(); ++s) {
                const auto idx = parseIndexList(s->indices, manifest.tasks.size());
                if (!std::binary_search(idx.begin(), idx.end(), t)) continue;
                const std::string key = s->arrayJob + "_" + std::to_string(t);
                if (queued.count(key)) {
                    st = queued[key] == "RUNNING" || queued[key] == "COMPLETING" ? "running"
                                                                                 : "pending";
                } else {
                    // Not in the queue and its shards are missing: it ended without them.
                    st = "failed";
                    if (accounted.count(key)) st += " (" + accounted[key] + ")";
                }
                break;
            }
        }
        const std::string kind = st.rfind("failed", 0) == 0 ? "failed" : st;
        byState[kind].push_back(t);
        std::cout << t << "\t" << st << "\t";
        for (size_t i = 0; i < manifest.tasks[t].size(); ++i) {
            std::cout << (i ? "," : "") << manifest.tasks[t][i].id;
        }
        std::cout << "\n";
    }
    std::cout << manifest.tasks.size() << " tasks:";
    for (const char* k : {"done", "running", "pending", "failed", "not submitted"}) {
        std::cout << " " << byState[k].size() << " " << k
                  << (std::string(k) == "not submitted" ? "\n" : ",");
    }
    if (!haveQueue) std::cout << "(squeue not found: running and pending tasks show as failed)\n";
    if (!haveAccounting && haveQueue && accounted.empty()) {
        std::cout << "(no accounting: the states of jobs that ended long ago are unknown)\n";
    }

    if (!subs.empty() && !subs.back().mergeJob.empty()) {
        const std::string& merge = subs.back().mergeJob;
        std::string ms = queued.count(merge)      ? queued[merge]
                         : accounted.count(merge) ? accounted[merge]
                                                  : "ended (state unknown)";
        std::cout << "merge job " << merge << ": " << ms << "\n";
    }
    try {
        const Project project = openProjectFile(manifest.project);
        size_t planned = 0, merged = 0;
        for (const auto& task : manifest.tasks) {
            for (const PlannedModel& p : task) {
                ++planned;
                if (const auto row = project.findModel(p.id)) {
                    const auto s = project.scoreRow(*row);
                    if (std::none_of(s.begin(), s.end(), [](double x) { return x != x; })) ++merged;
                }
            }
        }
        std::cout << "project " << manifest.project << ": " << merged << " of " << planned
                  << " planned models merged\n";
    } catch (const Error& e) {
        std::cout << "project: cannot be read now (" << e.message() << ")\n";
    }

    const auto& failed = byState["failed"];
    const auto& unsent = byState["not submitted"];
    std::vector<size_t> rerun(failed);
    rerun.insert(rerun.end(), unsent.begin(), unsent.end());
    std::sort(rerun.begin(), rerun.end());
    if (!rerun.empty()) {
        std::string cmd = shellWord(selfPath()) + " slurm submit --manifest " +
                          shellWord(manifestPath) + " --indices " + indexList(rerun);
        if (!subs.empty()) {
            for (const std::string& o : subs.back().options) cmd += " " + shellWord(o);
        }
        std::cout << "re-run " << (failed.empty() ? "the tasks not submitted" : "the failed tasks")
                  << " and the merge (logs in " << state << "/logs):\n"
                  << cmd << "\n";
    }
    return failed.empty() ? 0 : 1;
}

}  // namespace

int runSlurm(int argc, char** argv) {
    const std::string sub = argc > 2 ? argv[2] : "";
    if (sub == "submit") {
        Arguments args("slurm submit", argc, argv, 3,
                       {"manifest", "parallel", "indices", "array-template", "merge-template"},
                       {"cpu", "dry-run"});
        if (args.help()) {
            std::cout << kHelp;
            return 0;
        }
        return runSubmit(args);
    }
    if (sub == "status") {
        Arguments args("slurm status", argc, argv, 3, {"manifest"}, {});
        if (args.help()) {
            std::cout << kHelp;
            return 0;
        }
        return runStatus(args);
    }
    if (sub == "--help" || sub == "-h" || sub == "help") {
        std::cout << kHelp;
        return 0;
    }
    throw InputError("unknown or missing action \"" + sub + "\"", "llmap-cli slurm",
                     "use 'llmap-cli slurm submit' or 'llmap-cli slurm status'");
}

}  // namespace llmap::cli

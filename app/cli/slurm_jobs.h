#pragma once
// What 'llmap-cli slurm' needs around the scheduler: running its commands, filling job
// templates, array index lists, and the record of submissions kept next to the manifest.
#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace llmap::cli {

struct CommandResult {
    bool started = false;  // false: the program was not found
    int status = -1;       // exit status (-1 when killed by a signal)
    std::string out;       // standard output (standard error passes through)
};

// Runs argv[0] (searched on PATH) with the arguments, without a shell.
CommandResult runCommand(const std::vector<std::string>& argv, bool quietStderr = false);

// Replaces every @NAME@ of `fields`; InputError naming `where` when a @NAME@ is left.
std::string fillTemplate(std::string text, const std::map<std::string, std::string>& fields,
                         const std::string& where);

// "0-3,5,7-9" for {0,1,2,3,5,7,8,9}; and back (InputError for anything outside 0..tasks-1).
std::string indexList(const std::vector<size_t>& sortedIndices);
std::vector<size_t> parseIndexList(const std::string& list, size_t tasks);

// One 'slurm submit': the jobs and what produced them; kept in <manifest>.slurm/jobs.tsv.
struct Submission {
    std::string arrayJob, mergeJob;
    std::string indices;               // an index list
    std::vector<std::string> options;  // the submit options to repeat for a re-run
};
std::vector<Submission> readSubmissions(const std::string& stateDir);
void appendSubmission(const std::string& stateDir, const Submission& s);

// A shell word: quoted when it holds anything but [A-Za-z0-9_./=:,@%+-].
std::string shellWord(const std::string& s);

}  // namespace llmap::cli

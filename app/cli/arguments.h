#pragma once
// Command-line options of one subcommand: "--name value", "--name" (a flag), and positionals.
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace llmap::cli {

class Arguments {
public:
    // `valued` names the options that take a value; `flags` those that take none.
    Arguments(const std::string& command, int argc, char** argv, int first,
              const std::vector<std::string>& valued, const std::vector<std::string>& flags);

    std::optional<std::string> value(const std::string& name) const;
    std::string required(const std::string& name) const;
    bool flag(const std::string& name) const;
    bool help() const { return flag("help"); }
    const std::vector<std::string>& positionals() const { return positionals_; }

private:
    void refuseOutputOverProject() const;

    std::string command_;
    std::map<std::string, std::string> values_;
    std::vector<std::string> flags_;
    std::vector<std::string> positionals_;
};

}  // namespace llmap::cli

#include "util/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <iomanip>
#include <sstream>
#include <thread>

namespace llmap {

namespace {
struct FileDescriptor {
    int fd;
    ~FileDescriptor() {
        if (fd >= 0) close(fd);
    }
};
}  // namespace

std::optional<std::string> failureInChild(const std::function<void()>& work, double limitSeconds) {
    const pid_t child = fork();
    if (child < 0) return std::nullopt;
    if (child == 0) {
        // Quiet: the parent reports what happened (a checked build's report would go here too).
        const int devNull = open("/dev/null", O_WRONLY);
        if (devNull >= 0) dup2(devNull, STDERR_FILENO);
        const rlimit noCoreFile{0, 0};  // a crash here is an answer, not a bug to keep
        setrlimit(RLIMIT_CORE, &noCoreFile);
        try {
            work();
        } catch (...) {
            // The caller's own run of the work reports it.
        }
        _exit(0);  // not exit(): the parent's open files must not be flushed or closed here
    }
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::duration<double>(limitSeconds);
    // A pidfd becomes readable when the copy ends (Linux 5.3): waiting on it wakes at once.
    // Without one, polling backs off from 0.2 ms to 50 ms.
    const FileDescriptor pidfd{static_cast<int>(syscall(SYS_pidfd_open, child, 0))};
    auto pause = std::chrono::microseconds(200);
    int status = 0;
    for (;;) {
        const pid_t done = waitpid(child, &status, WNOHANG);
        if (done == child) break;
        if (done < 0 && errno != EINTR) return std::nullopt;
        const auto left = deadline - std::chrono::steady_clock::now();
        if (left <= std::chrono::steady_clock::duration::zero()) {
            kill(child, SIGKILL);
            while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
            }
            std::ostringstream how;
            how << "no answer after " << std::setprecision(3) << limitSeconds << " s";
            return how.str();
        }
        if (pidfd.fd >= 0) {
            pollfd ended{pidfd.fd, POLLIN, 0};
            const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(left).count();
            poll(&ended, 1, static_cast<int>(std::min<long long>(ms + 1, 1000)));
            continue;
        }
        std::this_thread::sleep_for(pause);
        pause = std::min(pause * 2, std::chrono::microseconds(50000));
    }
    // The copy ends with 0 unless the library brought it down (a signal, or a sanitizer's report
    // in a checked build).
    if (WIFSIGNALED(status)) return "signal " + std::to_string(WTERMSIG(status));
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
        return "exit code " + std::to_string(WEXITSTATUS(status));
    return std::nullopt;
}

}  // namespace llmap

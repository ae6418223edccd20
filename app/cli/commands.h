#pragma once
// Each subcommand: parses its own options, returns the process exit code (0 success, 2 bad input).
namespace llmap::cli {

int runImport(int argc, char** argv);
int runAnnotate(int argc, char** argv);
int runInfo(int argc, char** argv);
int runMap(int argc, char** argv);
int runExport(int argc, char** argv);
int runTexts(int argc, char** argv);  // texts build | texts info
int runCluster(int argc, char** argv);
int runKl(int argc, char** argv);
int runSampleKl(int argc, char** argv);
int runTokenize(int argc, char** argv);
int runPredict(int argc, char** argv);
int runResample(int argc, char** argv);
int runScore(int argc, char** argv);
int runMerge(int argc, char** argv);
int runInterpolate(int argc, char** argv);
int runPlan(int argc, char** argv);
int runSlurm(int argc, char** argv);  // slurm submit | slurm status

}  // namespace llmap::cli

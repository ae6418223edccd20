#pragma once
// The LLMap project file (HDF5): the text set, the models, the K x N log-likelihood matrix,
// token counts and provenance. One Project object owns one open file; HDF5 is not thread-safe, so
// all access goes through it. Every write is flushed, so a killed writer leaves all finished rows
// readable. The layout is documented in docs/project-file.md.
#include <Eigen/Core>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "text/text_set.h"

namespace llmap {

// A derived result (a map, clusters, predictions...) stored under /analysis/<name>/ with the
// parameters and seed that produced it.
struct AnalysisResult {
    Eigen::MatrixXd values;            // rows x columns
    std::vector<std::string> rowIds;   // one per row (usually model ids)
    std::vector<std::string> columns;  // one name per column
    std::string paramsJson = "{}";     // every parameter and seed, as a JSON object
};

struct ModelRecord {
    std::string id;
    std::string metadataJson = "{}";  // a JSON object: family, parameters, any user field
};

class Project {
public:
    static constexpr int kFormatVersion = 1;

    // Creates a new project file holding `texts`; refuses to overwrite an existing file.
    static Project create(const std::string& path, const TextSet& texts,
                          const std::string& convention);
    static Project open(const std::string& path, bool writable = false);

    Project(Project&&) noexcept;
    Project& operator=(Project&&) noexcept;
    ~Project();

    const std::string& path() const;
    const TextSet& texts() const;
    const std::string& textSetHash() const;
    // "full", "paper" or "imported" (scores that came from a CSV).
    const std::string& convention() const;

    size_t modelCount() const;
    const std::vector<ModelRecord>& models() const;
    std::optional<size_t> findModel(const std::string& id) const;
    // Adds a model row (all scores NaN = not scored yet) and returns its index.
    size_t addModel(const ModelRecord& model);
    void setModelMetadata(size_t row, const std::string& metadataJson);

    // Writes a model's scores for texts [firstText, firstText + values.size()); tokens and
    // truncated may be empty (unknown). Flushed to disk before returning, everything else first
    // (token counts, per-token values, marginal scores), then the scores: a process killed in
    // between leaves no score without them. DiskFullError, with the file unchanged, when the
    // disk has no room.
    void writeScores(size_t row, size_t firstText, const std::vector<double>& loglik,
                     const std::vector<int32_t>& tokens = {},
                     const std::vector<int8_t>& truncated = {});
    std::vector<double> scoreRow(size_t row) const;
    std::vector<int32_t> tokenRow(size_t row) const;
    // Per text: 1 = cut at the end to the model's context, 0 = scored whole, -1 = unknown.
    std::vector<int8_t> truncatedRow(size_t row) const;

    // Per-token log-probabilities of a model (optional): one flat float32 array per model, text
    // i's values at [offsets[i], offsets[i + 1]). beginTokenLogProbs fixes the layout (keeps the
    // stored values when the offsets are the same, else starts again with NaN = not scored).
    void beginTokenLogProbs(size_t row, const std::vector<int64_t>& offsets);
    bool hasTokenLogProbs(size_t row) const;
    std::vector<int64_t> tokenLogProbOffsets(size_t row) const;  // empty when none
    // Text `text`'s values (as many as its span); flushed with the next writeScores.
    void writeTokenLogProbs(size_t row, size_t text, const std::vector<float>& values);
    std::vector<float> tokenLogProbs(size_t row, size_t text) const;  // empty when none
    std::vector<float> allTokenLogProbs(size_t row) const;
    // A prompt-response project scored with PMI also keeps log p(response) with no prompt: the
    // marginal matrix (/scores/marginal), K x N like the scores, NaN where not scored.
    // enableMarginal creates it (once); writeMarginal is flushed with the next writeScores.
    bool hasMarginal() const;
    void enableMarginal();
    void writeMarginal(size_t row, size_t firstText, const std::vector<double>& values);
    std::vector<double> marginalRow(size_t row) const;  // all NaN when there is no marginal matrix

    // The matrix the analyses see through scores(), completeRows(), the stored results and the
    // clip threshold: "loglik" (the default) or "pmi", log p(y|x) - log p(y) (needs the marginal
    // matrix). The PMI matrix's results are stored as /analysis/pmi.<name> and its threshold as
    // "clip_threshold_pmi", so neither replaces the log-likelihood map's. InputError for another
    // name, or "pmi" without a marginal matrix.
    void selectMatrix(const std::string& name);
    const std::string& matrix() const;

    // The selected matrix, K x N; NaN where not scored.
    Eigen::MatrixXd scores() const;
    // Rows of the selected matrix without a single NaN.
    std::vector<size_t> completeRows() const;

    // Derived results: /analysis/<name>/{values, row_ids, columns} and a "params" attribute.
    // Writing a name again replaces it. Names: letters, digits, '_', '-', '.'.
    void writeResult(const std::string& name, const Eigen::MatrixXd& values,
                     const std::vector<std::string>& rowIds, const std::string& paramsJson,
                     const std::vector<std::string>& columns = {});
    std::optional<AnalysisResult> readResult(const std::string& name) const;
    std::vector<std::string> resultNames() const;

    // The clipping threshold fixed by the first analysis (METHOD.md §3), reused for models added
    // later; stored as the "clip_threshold" attribute of /analysis.
    std::optional<double> clipThreshold() const;
    void setClipThreshold(double threshold);

    // Provenance: one JSON object per run (what ran, where, how long).
    void appendProvenance(const std::string& json);
    std::vector<std::string> provenance() const;

private:
    struct State;
    explicit Project(std::unique_ptr<State> state);
    std::unique_ptr<State> s_;
};

}  // namespace llmap

#include "model_fields.h"

#include <QLocale>
#include <QObject>
#include <QSet>
#include <QStringList>
#include <cmath>

#include "project_data.h"

namespace llmap::ui {

namespace {

QString formatNumber(double v) {
    if (std::abs(v) < 1e15 && v == std::round(v))
        return QLocale().toString(static_cast<qlonglong>(v));
    return QLocale().toString(v, 'g', 4);
}

// Metadata as text; empty for values that say nothing (an empty string or list).
QString plainValue(const nlohmann::json& v) {
    if (v.is_string()) return QString::fromStdString(v.get<std::string>());
    if (v.is_boolean()) return v.get<bool>() ? QObject::tr("yes") : QObject::tr("no");
    if (v.is_number()) return formatNumber(v.get<double>());
    if (v.is_array()) {
        QStringList parts;
        for (const nlohmann::json& e : v) parts << plainValue(e);
        parts.removeAll(QString());
        return parts.join(QStringLiteral(", "));
    }
    if (v.is_null() || v.empty()) return {};
    return QString::fromStdString(v.dump());
}

bool isInternal(const QString& key) {
    static const QSet<QString> internal = {
        QStringLiteral("adds_bos"), QStringLiteral("architectures"), QStringLiteral("weight_files"),
        QStringLiteral("pipeline_tag")};
    return internal.contains(key) || key.endsWith(QLatin1String("_hash")) ||
           key.endsWith(QLatin1String("_token_id"));
}

class FieldList {
public:
    FieldList(const ProjectData& data, int model)
        : meta_(data.metadata[static_cast<size_t>(model)]) {}

    // The metadata field `key`, shown as `name` with `value` made from its text (when not empty).
    template <typename Format>
    void addMeta(const QString& key, const QString& name, Format format) {
        if (done_.contains(key)) return;
        done_.insert(key);
        auto it = meta_.find(key.toStdString());
        if (it == meta_.end()) return;
        const QString plain = plainValue(*it);
        if (plain.isEmpty()) return;
        QString tooltip = plain;
        if (name != key) tooltip += QStringLiteral(" (%1)").arg(key);
        fields_.append({name, format(*it, plain), tooltip});
    }
    void addMeta(const QString& key, const QString& name = {}) {
        addMeta(key, name.isEmpty() ? key : name,
                [](const nlohmann::json&, const QString& plain) { return plain; });
    }
    void add(const QString& name, const QString& value, const QString& tooltip = {}) {
        done_.insert(name);
        fields_.append({name, value, tooltip.isEmpty() ? value : tooltip});
    }
    QString text(const QString& key) const {
        auto it = meta_.find(key.toStdString());
        return it == meta_.end() ? QString() : plainValue(*it);
    }
    void skip(const QString& key) { done_.insert(key); }
    bool isDone(const QString& key) const { return done_.contains(key); }
    QList<ModelField> take() { return std::move(fields_); }

private:
    const nlohmann::json& meta_;
    QSet<QString> done_;
    QList<ModelField> fields_;
};

}  // namespace

QString readableCount(double n) {
    if (!std::isfinite(n) || std::abs(n) < 1000) return formatNumber(n);
    // Rounded to three significant digits first, so that 999,600 reads "1 M", not "1e+03 k".
    const double scale = std::pow(10.0, std::floor(std::log10(std::abs(n))) - 2);
    const double r = std::round(n / scale) * scale;
    static const struct {
        double size;
        const char* unit;
    } units[] = {{1e12, "T"}, {1e9, "B"}, {1e6, "M"}, {1e3, "k"}};
    for (const auto& u : units) {
        if (std::abs(r) >= u.size) {
            return QStringLiteral("%1 %2").arg(QLocale().toString(r / u.size, 'g', 3),
                                               QLatin1String(u.unit));
        }
    }
    return formatNumber(r);
}

QList<ModelField> modelFields(const ProjectData& data, int model) {
    FieldList list(data, model);
    const auto plain = [](const nlohmann::json&, const QString& p) { return p; };
    list.add(QObject::tr("id"), data.ids[model]);

    // What the model is.
    list.addMeta(QStringLiteral("family"));
    list.addMeta(QStringLiteral("architecture"));
    if (list.text(QStringLiteral("model_type")) == list.text(QStringLiteral("architecture")))
        list.skip(QStringLiteral("model_type"));
    list.addMeta(QStringLiteral("model_type"));
    list.addMeta(QStringLiteral("parameters"), QStringLiteral("parameters"),
                 [](const nlohmann::json& v, const QString& p) {
                     return v.is_number() ? readableCount(v.get<double>()) : p;
                 });
    list.addMeta(QStringLiteral("torch_dtype"), QObject::tr("dtype"), plain);
    list.addMeta(QStringLiteral("context_length"), QObject::tr("context"),
                 [](const nlohmann::json& v, const QString& p) {
                     return v.is_number() ? QObject::tr("%1 tokens").arg(p) : p;
                 });

    // How well it predicts the texts.
    const double meanLl = data.meanLogLikelihood(model);
    list.add(QString::fromLatin1(ProjectData::kMeanLogLikelihood),
             QObject::tr("%1 nats per text").arg(QLocale().toString(meanLl, 'f', 2)),
             QString::number(meanLl, 'g', 10));
    const double bitsPerByte = -meanLl / (data.texts.meanBytes() * std::log(2.0));
    list.add(QObject::tr("mean bits per byte"), QLocale().toString(bitsPerByte, 'f', 4),
             QString::number(bitsPerByte, 'g', 10));
    if (data.fields.contains(QString::fromLatin1(ProjectData::kPrimarySource))) {
        list.add(QString::fromLatin1(ProjectData::kPrimarySource),
                 data.value(model, QString::fromLatin1(ProjectData::kPrimarySource)).toString());
    }
    if (!data.clusters.empty()) {
        list.add(QString::fromLatin1(ProjectData::kCluster),
                 data.value(model, QString::fromLatin1(ProjectData::kCluster)).toString());
    }

    // What it read and how it is stored.
    list.addMeta(QStringLiteral("corpus"));
    list.addMeta(QStringLiteral("quantisation"));
    list.addMeta(QStringLiteral("bits_per_weight"));
    list.addMeta(QStringLiteral("kl_to_fp32_bits_per_byte"));
    list.addMeta(QStringLiteral("weight_bytes"), QStringLiteral("weight_bytes"),
                 [](const nlohmann::json& v, const QString& p) {
                     return v.is_number()
                                ? QLocale().formattedDataSize(static_cast<qint64>(v.get<double>()),
                                                              1, QLocale::DataSizeSIFormat)
                                : p;
                 });

    // Everything else in the project's order, the internals last.
    QStringList internals;
    for (const QString& f : data.fields) {
        if (list.isDone(f) || f == QLatin1String(ProjectData::kMeanLogLikelihood) ||
            f == QLatin1String(ProjectData::kPrimarySource) ||
            f == QLatin1String(ProjectData::kCluster))
            continue;
        if (isInternal(f)) {
            internals << f;
        } else {
            list.addMeta(f);
        }
    }
    for (const QString& f : internals) list.addMeta(f);
    return list.take();
}

}  // namespace llmap::ui

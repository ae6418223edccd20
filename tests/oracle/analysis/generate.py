#!/usr/bin/env python3
"""Reference outputs for tests/analysis, from numpy, scipy and scikit-learn (seeded).

Writes small CSV/JSON files into tests/data/analysis. Run from anywhere:
    python3 tests/oracle/analysis/generate.py
Numeric CSVs have no header; values are written with 17 significant digits.
"""
import json
import os

import numpy as np
import scipy.cluster.hierarchy as sch
import scipy.linalg
import scipy.stats
import sklearn
from sklearn.cluster import DBSCAN, HDBSCAN, AgglomerativeClustering, KMeans
from sklearn.decomposition import PCA
from sklearn.linear_model import Ridge
from sklearn.manifold import TSNE, trustworthiness
from sklearn.manifold._t_sne import _joint_probabilities, _joint_probabilities_nn
from sklearn.metrics import silhouette_score
from sklearn.model_selection import GridSearchCV, GroupKFold, KFold
from sklearn.neighbors import NearestNeighbors

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data", "analysis")


def save(name, a, fmt="%.17g"):
    a = np.asarray(a)
    if a.ndim == 1:
        a = a[:, None]
    np.savetxt(os.path.join(OUT, name), a, fmt=fmt, delimiter=",")


def save_input(name, a):
    """Inputs are written with 10 significant digits and read back, so every reference below is
    computed from exactly the values the tests read."""
    save(name, a, fmt="%.10g")
    return np.loadtxt(os.path.join(OUT, name), delimiter=",", ndmin=2)


def save_json(name, obj):
    with open(os.path.join(OUT, name), "w") as f:
        json.dump(obj, f, indent=1, sort_keys=True)
        f.write("\n")


def structured_loglik(rng, k, n, families, categories):
    """A models x texts matrix shaped like summed log-likelihoods: a text difficulty, a model level,
    a family direction per text and noise; a few very low entries for clipping to act on."""
    difficulty = rng.uniform(-900, -200, size=n)
    family = rng.integers(0, families, size=k)
    family_dir = rng.normal(0, 25, size=(families, n))
    level = rng.normal(0, 30, size=k)
    source = rng.integers(0, categories, size=n)
    category_skill = rng.normal(0, 20, size=(k, categories))
    l = (difficulty[None, :] + level[:, None] + family_dir[family] + category_skill[:, source]
         + rng.normal(0, 8, size=(k, n)))
    low = rng.random((k, n)) < 0.01
    l[low] -= rng.uniform(200, 2000, size=low.sum())
    return l, family, source


def classical_mds(d2, dims=2):
    k = d2.shape[0]
    j = np.eye(k) - np.ones((k, k)) / k
    b = -0.5 * j @ d2 @ j
    w, v = np.linalg.eigh(b)
    order = np.argsort(w)[::-1][:dims]
    return v[:, order] * np.sqrt(np.maximum(w[order], 0))


def geometry_and_maps(rng):
    k, n = 40, 120
    l, family, source = structured_loglik(rng, k, n, families=4, categories=3)
    with_nan = l.copy()
    with_nan[[5, 17]] = np.nan   # models not scored yet
    with_nan[23, 7] = np.nan     # a partly scored model
    with_nan = save_input("loglik.csv", with_nan)
    l = np.where(np.isnan(with_nan), l, with_nan)
    labels = ["Github", "ArXiv", "Pile-CC"]
    with open(os.path.join(OUT, "sources.txt"), "w") as f:
        f.write("\n".join(labels[s] for s in source) + "\n")
    keep = [i for i in range(k) if not np.isnan(with_nan[i]).any()]
    lk = l[keep]
    threshold = np.percentile(lk, 2)          # numpy's linear interpolation, as P1
    clipped = np.maximum(lk, threshold)
    q = clipped - clipped.mean(1, keepdims=True) - clipped.mean(0, keepdims=True) + clipped.mean()
    d2 = ((q[:, None, :] - q[None, :, :]) ** 2).sum(-1)
    kl = d2 / (2 * n)
    mean_bytes = 700.0
    category_means = np.stack([q[:, source == c].mean(1) for c in range(3)], 1)
    primary = [labels[c] for c in category_means.argmax(1)]
    pca = PCA(n_components=2, svd_solver="full").fit(q)
    save("geometry_threshold.csv", [threshold])
    save("geometry_rows.csv", keep, fmt="%d")
    save("geometry_centred.csv", q, fmt="%.14g")
    save("kl_nats.csv", kl, fmt="%.14g")
    save("kl_bits.csv", kl / (mean_bytes * np.log(2)), fmt="%.14g")
    save("mean_loglik.csv", lk.mean(1))
    with open(os.path.join(OUT, "primary_category.txt"), "w") as f:
        f.write("\n".join(primary) + "\n")
    save("pca_coordinates.csv", pca.transform(q))
    save("pca_explained_variance.csv", pca.explained_variance_)
    save("mds_coordinates.csv", classical_mds(kl))

    # A model added later is clipped with the stored threshold, not a new quantile.
    # Model 5 scored later: its row is clipped with the stored threshold, then all is re-centred.
    save("new_model_raw.csv", l[5])
    later_rows = sorted(keep + [5])
    later = np.maximum(l[later_rows], threshold)
    later_q = later - later.mean(1, keepdims=True) - later.mean(0, keepdims=True) + later.mean()
    save("geometry_later_centred.csv", later_q, fmt="%.14g")
    save("geometry_later_new_quantile.csv", [np.percentile(l[later_rows], 2)])

    # Orthogonal Procrustes (scipy) on a rotated, reflected, noisy copy of a map.
    a = rng.normal(size=(20, 2))
    angle = 0.7
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]]) @ np.diag([1, -1])
    b = a @ rot + rng.normal(0, 0.05, size=a.shape) + np.array([3.0, -1.0])
    a = save_input("procrustes_a.csv", a)
    b = save_input("procrustes_b.csv", b)
    r, _ = scipy.linalg.orthogonal_procrustes(a - a.mean(0), b - b.mean(0))
    save("procrustes_r.csv", r)
    save("procrustes_aligned.csv", (a - a.mean(0)) @ r + b.mean(0))


def clustered_points(rng, k, dims, centres, spread):
    c = rng.normal(0, 1, size=(centres, dims)) * 6
    lab = rng.integers(0, centres, size=k)
    return c[lab] + rng.normal(0, spread, size=(k, dims)), lab


def tsne_cases(rng):
    # Joint probabilities of the exact method.
    x, _ = clustered_points(rng, 30, 5, 3, 1.0)
    x = save_input("tsne_p_input.csv", x)
    d = ((x[:, None, :] - x[None, :, :]) ** 2).sum(-1)
    p = scipy.spatial.distance.squareform(_joint_probabilities(d, 5.0, 0))
    save("tsne_p_expected.csv", p)

    results = {}
    for name, k, method in (("exact", 150, "exact"), ("bh", 600, "barnes_hut")):
        x, _ = clustered_points(rng, k, 20, 6, 1.5)
        x = save_input("tsne_%s_input.csv" % name, x)
        t = TSNE(n_components=2, perplexity=30, init="pca", metric="euclidean", method=method,
                 random_state=42, max_iter=1000)
        y = t.fit_transform(x)
        results[name] = {
            "kl_divergence": float(t.kl_divergence_),
            "trustworthiness": float(trustworthiness(x, y, n_neighbors=10)),
            "iterations": int(t.n_iter_),
        }
        save("tsne_%s_sklearn_embedding.csv" % name, y)
    save_json("tsne_reference.json", results)


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20250216)
    geometry_and_maps(rng)
    tsne_cases(rng)
    for extra in EXTRA:
        extra(rng)
    with open(os.path.join(OUT, "VERSIONS.txt"), "w") as f:
        f.write("numpy %s\nscipy %s\nscikit-learn %s\n" % (np.__version__, scipy.__version__,
                                                          sklearn.__version__))


def clustering_cases(rng):
    # Well separated: k-means++ from any seed finds the same partition.
    x, truth = clustered_points(rng, 90, 8, 4, 1.0)
    x = save_input("clusters_separated.csv", x)
    km = KMeans(n_clusters=4, random_state=0, n_init=1).fit(x)
    save("kmeans_separated_labels.csv", km.labels_, fmt="%d")
    # Overlapping: Lloyd from fixed centres must follow scikit-learn step by step.
    y, _ = clustered_points(rng, 120, 5, 4, 3.0)
    y = save_input("clusters_overlapping.csv", y)
    init = y[:4]
    km = KMeans(n_clusters=4, init=init, n_init=1).fit(y)
    save("kmeans_from_labels.csv", km.labels_, fmt="%d")
    save("kmeans_from_centres.csv", km.cluster_centers_)
    save("kmeans_from_inertia.csv", [km.inertia_])
    z = y[:60]
    for method in ("ward", "average", "complete"):
        save("linkage_%s.csv" % method, sch.linkage(z, method=method, metric="euclidean"))
        labels = AgglomerativeClustering(n_clusters=4, linkage=method).fit(z).labels_
        save("agglomerative_%s_labels.csv" % method, labels, fmt="%d")
    # DBSCAN with noise points, on Euclidean distances.
    noise = rng.uniform(-15, 15, size=(15, 8))
    w = np.vstack([x, noise])
    w = save_input("clusters_with_noise.csv", w)
    db = DBSCAN(eps=3.0, min_samples=5).fit(w)
    save("dbscan_labels.csv", db.labels_, fmt="%d")
    save_json("silhouette.json", {
        "separated_kmeans": float(silhouette_score(x, truth)),
        "noise_dbscan": float(silhouette_score(w, db.labels_)),
    })
    save("silhouette_truth_labels.csv", truth, fmt="%d")
    hdb = HDBSCAN(min_cluster_size=5, copy=True).fit(w)
    save("hdbscan_labels.csv", hdb.labels_, fmt="%d")
    hdb = HDBSCAN(min_cluster_size=8, min_samples=3, copy=True).fit(y)
    save("hdbscan_overlapping_labels.csv", hdb.labels_, fmt="%d")


def ridge_cases(rng):
    k, n = 60, 150
    l, family, _ = structured_loglik(rng, k, n, families=8, categories=3)
    q = l - l.mean(1, keepdims=True) - l.mean(0, keepdims=True) + l.mean()
    w = rng.normal(0, 1, size=(n, 2)) / np.sqrt(n)
    y = q @ w * 0.05 + rng.normal(0, 0.3, size=(k, 2)) + np.array([55.0, 40.0])
    y[[3, 11, 29], 1] = np.nan
    q = save_input("ridge_x.csv", q)
    y = save_input("ridge_y.csv", y)
    save("ridge_groups.csv", family, fmt="%d")
    alphas = 10.0 ** np.arange(1, 10)
    folds, preds, chosen, stats = [], [], [], []
    for b in range(2):
        have = np.where(~np.isnan(y[:, b]))[0]
        schemes = [KFold(5, shuffle=True, random_state=0).split(have),
                   KFold(5, shuffle=True, random_state=1).split(have),
                   GroupKFold(5).split(have, groups=family[have])]
        for split in schemes:
            fold = -np.ones(k, dtype=int)
            pred = np.full(k, np.nan)
            alpha_per_fold = []
            for f, (train, test) in enumerate(split):
                fold[have[test]] = f
                xtr, ytr = q[have[train]], y[have[train], b]
                search = GridSearchCV(Ridge(), {"alpha": alphas}, cv=KFold(5),
                                      scoring="neg_mean_squared_error").fit(xtr, ytr)
                pred[have[test]] = search.predict(q[have[test]])
                alpha_per_fold.append(search.best_params_["alpha"])
            folds.append(fold)
            preds.append(pred)
            chosen.append(alpha_per_fold)
            stats.append([scipy.stats.pearsonr(pred[have], y[have, b])[0],
                          scipy.stats.spearmanr(pred[have], y[have, b])[0]])
    save("ridge_folds.csv", np.array(folds).T, fmt="%d")
    save("ridge_predictions.csv", np.array(preds).T)
    save("ridge_alphas.csv", np.array(chosen).T)
    save("ridge_stats.csv", np.array(stats))


def resample_cases(rng):
    # Importance of the geometry fixture's texts and the exact squared-distance matrix G.
    q = np.loadtxt(os.path.join(OUT, "geometry_centred.csv"), delimiter=",")
    variance = (q ** 2).sum(0)
    save("importance_variance.csv", variance / variance.sum())
    k = q.shape[0]
    fourth = np.zeros(q.shape[1])
    for i in range(k):
        for j in range(i + 1, k):
            fourth += (q[i] - q[j]) ** 4
    kl = np.sqrt(fourth)
    save("importance_kl.csv", kl / kl.sum())
    g = ((q[:, None, :] - q[None, :, :]) ** 2).sum(-1)
    save("resample_g.csv", g)


def tsne_default_cases(rng):
    """scikit-learn's default TSNE (Barnes-Hut at every size) at 150 and 50 points, its nearest
    neighbours and its nearest-neighbour P, on the t-SNE inputs written above (draws nothing)."""
    del rng
    read = lambda name: np.loadtxt(os.path.join(OUT, name), delimiter=",", ndmin=2)
    x150 = read("tsne_exact_input.csv")
    results = {}
    for name, x in (("default_150", x150), ("default_50", x150[:50])):
        t = TSNE(n_components=2, random_state=42)  # every other setting at its default
        y = t.fit_transform(x)
        results[name] = {
            "kl_divergence": float(t.kl_divergence_),
            "trustworthiness": float(trustworthiness(x, y, n_neighbors=10)),
            "iterations": int(t.n_iter_),
        }
        save("tsne_%s_sklearn_embedding.csv" % name, y)
    save_json("tsne_default_reference.json", results)

    # TSNE._fit's neighbours (k = 3 * perplexity + 1) for 600 points and the k-th squared distance.
    dist, index = NearestNeighbors(n_neighbors=91, metric="euclidean").fit(
        read("tsne_bh_input.csv")).kneighbors()
    save("tsne_bh_neighbours.csv", index, fmt="%d")
    save("tsne_bh_kth_neighbour_distance.csv", dist[:, -1] ** 2)
    # _joint_probabilities_nn at perplexity 5 (16 neighbours) for the 30-point P input.
    x = read("tsne_p_input.csv")
    graph = NearestNeighbors(n_neighbors=16, metric="euclidean").fit(x).kneighbors_graph(
        mode="distance")
    graph.data **= 2
    save("tsne_p_nn_expected.csv", _joint_probabilities_nn(graph, 5.0, 0).toarray())


EXTRA = [clustering_cases, ridge_cases, resample_cases, tsne_default_cases]

if __name__ == "__main__":
    main()

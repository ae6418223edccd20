#!/usr/bin/env python3
"""Reference values for LLMap's seeded text sampling, written independently of the C++ code.

SplitMix64 (Steele, Lea, Flood 2014) and the sampler described in core/text/sampling.h: the first
k steps of a Fisher-Yates shuffle of 0..n-1 (step i swaps i with i + below(n - i), where below(m)
rejects draws >= 2^64 - (2^64 mod m) and returns draw mod m), then sorted.

Writes tests/data/texts/sampling_reference.json.  Run: python3 sampling_reference.py
"""
import json
import pathlib

MASK = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def below(self, n):
        limit = (1 << 64) - ((1 << 64) % n)
        while True:
            x = self.next()
            if x < limit:
                return x % n


def sample(n, k, rng):
    order = list(range(n))
    for i in range(k):
        j = i + rng.below(n - i)
        order[i], order[j] = order[j], order[i]
    return sorted(order[:k])


def main():
    streams = {}
    for seed in (0, 1, 42, 0xFFFFFFFFFFFFFFFF):
        rng = SplitMix64(seed)
        streams[str(seed)] = [str(rng.next()) for _ in range(5)]
    samples = []
    for n, k, seed in ((10, 3, 0), (10, 10, 7), (1000, 12, 42), (5, 0, 1), (100000, 20, 2026)):
        samples.append({"n": n, "k": k, "seed": seed, "indices": sample(n, k, SplitMix64(seed))})
    # Two draws from one stream, as the builder does for a source with a count and then the pool.
    rng = SplitMix64(9)
    first = sample(50, 5, rng)
    second = sample(30, 4, rng)
    out = {"splitmix64": streams, "samples": samples,
           "chained": {"seed": 9, "first": {"n": 50, "k": 5, "indices": first},
                       "second": {"n": 30, "k": 4, "indices": second}}}
    path = pathlib.Path(__file__).resolve().parents[2] / "data" / "texts" / "sampling_reference.json"
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(hex(int(streams["0"][0])))


if __name__ == "__main__":
    main()

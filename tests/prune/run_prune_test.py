"""`litecast prune` end to end, checked in PyTorch and LiteRT.

Usage: run_prune_test.py --cli LITECAST model NAME     (a model of tests/prune/models.py)
       run_prune_test.py --cli LITECAST metrics        (each metric keeps what it ranks highest)
       run_prune_test.py --cli LITECAST options        (multiple, exclude_layers, exclude_ops, skip_last_fc)
       run_prune_test.py --cli LITECAST errors         (bad input: one clear line, nothing written)

`model NAME` traces the model, then: a dry run writes nothing; pruning at 0.5 gives a model that
torch.jit.load loads and runs with the same inputs and outputs, the same state_dict keys,
fewer parameters, trainable parameters, the configured kept channel counts, and MACs equal to
an independent count (weights of the pruned state_dict times output positions from hooks on
the eager model); `litecast convert` converts it and LiteRT agrees with PyTorch; the written
config names every prunable layer and an edited per-layer rate is honoured; sparsity 0 leaves
the outputs bit-identical. Prints "ok CHECK" / "FAIL CHECK: reason" and a closing count.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
sys.path.insert(0, HERE)
import checklist  # noqa: E402
import oracle  # noqa: E402
import models  # noqa: E402


class Failure(Exception):
    pass


def expect(cond, msg):
    if not cond:
        raise Failure(msg)


class Pruner:
    def __init__(self, cli, tmp):
        self.cli = cli
        self.tmp = tmp
        self.n = 0

    def config(self, text):
        self.n += 1
        path = os.path.join(self.tmp, f"prune{self.n}.yaml")
        with open(path, "w") as f:
            f.write(text)
        return path

    def run(self, model, config_text, shape, out=None, extra=(), check=True, config_path=None):
        """Runs litecast prune with --json; returns (result json or None, completed process, config path)."""
        cfg = config_path or self.config(config_text)
        cmd = [self.cli, "prune", model, "-c", cfg, "--json", "-q"]
        for one in shapes_of(shape):
            cmd += ["--input-shape", ",".join(map(str, one))]
        cmd += ["-o", out] if out else ["--dry-run"]
        cmd += list(extra)
        r = subprocess.run(cmd, capture_output=True, text=True)
        if check and r.returncode != 0:
            raise Failure(f"litecast prune exited {r.returncode}: {r.stderr.strip()}")
        return (json.loads(r.stdout) if r.returncode == 0 else None), r, cfg


def shapes_of(shape):
    """A model's input shapes: one shape tuple, or a list of them."""
    return list(shape) if isinstance(shape[0], (tuple, list)) else [shape]


def example(shape, seed):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(*s, generator=g) for s in shapes_of(shape)]


def trace(name, tmp):
    factory, shape = models.MODELS[name]
    eager = factory()
    x = example(shape, 3)
    with torch.no_grad():
        traced = torch.jit.script(eager) if name.endswith("_scripted") else torch.jit.trace(eager, tuple(x))
    path = os.path.join(tmp, name + ".pt")
    traced.save(path)
    return eager, path, shape


def positions_per_channel(eager, shape):
    """Batch x spatial output positions of every conv/linear module (unchanged by pruning)."""
    per = {}
    hooks = []
    for name, mod in eager.named_modules():
        if isinstance(mod, (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.ConvTranspose2d)):
            hooks.append(mod.register_forward_hook(
                lambda m, i, o, name=name: per.__setitem__(name, o.numel() // o.shape[1])))
        elif isinstance(mod, nn.Linear):
            hooks.append(mod.register_forward_hook(
                lambda m, i, o, name=name: per.__setitem__(name, o.numel() // o.shape[-1])))
    with torch.no_grad():
        eager(*[torch.zeros(*s) for s in shapes_of(shape)])
    for h in hooks:
        h.remove()
    return per


def macs(state, per):
    # A conv or linear layer does (weight elements) multiply-adds per output position.
    return sum(state[name + ".weight"].numel() * n for name, n in per.items())


def kept_count(channels, rate, multiple=1):
    keep = channels - int(math.floor(channels * rate + 1e-9))
    if multiple > 1:
        keep = -(-keep // multiple) * multiple
    return max(1, min(channels, keep))


def outputs(model, x):
    """Flat list of a model's outputs on the inputs `x` (a list)."""
    with torch.no_grad():
        return oracle.flatten(model(*x))


# ---- model NAME -------------------------------------------------------------------------------
MODEL_CONFIG = {
    # tok's channels, flattened over 4x4 positions into the classifier, are pruned with it (named
    # here to check a per-layer rate on such a group).
    "deps": "sparsity:\n  default: 0.5\n  tok: 0.5\nmetrics: l2_norm\n",
    # mid feeds the classifier through a mean over H and W (named: a per-layer rate).
    "two_in_out": "sparsity:\n  default: 0.5\n  mid: 0.5\nmetrics: l2_norm\n",
}
MAX_PARAMS = {  # share of parameters kept at sparsity 0.5 (issue 15: TinyNeuralNetwork's figures or better)
    "mobilenet_v2": 0.45,
    "resnet18": 0.45,
}
EXPECT_GROUPS = {
    "deps": {"stem", "c", "a", "b", "mix", "grouped", "pw", "tok"},
    "refusals": {"stem", "ok", "halves"},
    "shuffle": {"stem", "a", "c", "mix"},
    "two_in_out": {"a", "mid"},
}
EXPECT_PRODUCERS = {  # group -> its layers, where a rule joins layers
    "deps": {"c": ["c", "d"]},  # chunk(2) of cat(c, d): part k is layer k, both keep as many channels
}
EXPECT_REFUSED = {  # layer -> a phrase of its reason
    "refusals": {"grouped": "grouped convolution (groups=4) over channels of several layers",
                 "ga": "feeds grouped", "gb": "feeds grouped", "left": "aten::chunk", "right": "aten::chunk",
                 "shuffled": "splits the channel axis", "attn": "aten::matmul", "out": "model's output"},
    # The downsampling unit's shuffle joins its branches (one group, named after branch1.2); the
    # next unit's chunk of them is refused, and so is its shuffle with the chunk's half.
    "shufflenet_v2_x1_0": {"stage2.0.branch1.2": "aten::chunk",
                           "stage2.1.branch2.5": "shuffles them with channels left whole"},
    "shuffle": {"out": "model's output"},
}


def check_model(name, p, tmp):
    checks = []
    eager, pt, shape = trace(name, tmp)
    x = example(shape, 7)
    original = torch.jit.load(pt)
    want = outputs(original, x)
    per = positions_per_channel(eager, shape)
    sd0 = {k: v.clone() for k, v in original.state_dict().items()}
    config_text = MODEL_CONFIG.get(name, "sparsity: 0.5\nmetrics: l2_norm\n")
    out = os.path.join(tmp, name + "_pruned.pt")
    state = {}

    def dry_run():
        cfg = p.config(config_text)
        res, _, _ = p.run(pt, None, shape, config_path=cfg)
        expect(not os.path.exists(out), "--dry-run wrote the model")
        with open(cfg) as f:
            expect(f.read() == config_text, "--dry-run rewrote the config")
        state["dry"] = res
        return f"{len(res['groups'])} groups, {len(res['left_whole'])} left whole"

    def dry_run_table():
        cfg = p.config(config_text)
        cmd = [p.cli, "prune", pt, "-c", cfg, "--dry-run", "-q"]
        for one in shapes_of(shape):
            cmd += ["--input-shape", ",".join(map(str, one))]
        r = subprocess.run(cmd, capture_output=True, text=True)
        expect(r.returncode == 0, f"exit {r.returncode}: {r.stderr.strip()}")
        lines = r.stdout.splitlines()
        res = state["dry"]
        rows = {ln.split()[0]: ln.split() for ln in lines[1:] if ln and not ln.startswith((" ", "total:", "left whole:"))}
        for layer in res["layers"]:
            row = rows.get(layer["name"])
            expect(row is not None, f"{layer['name']} missing from the table")
            want = [f"{layer['in'][0]}->{layer['in'][1]}", f"{layer['out'][0]}->{layer['out'][1]}",
                    f"{layer['params'][0]}->{layer['params'][1]}", f"{layer['macs'][0]}->{layer['macs'][1]}"]
            expect(row[2:6] == want, f"{layer['name']}: table row {row[2:6]}, JSON {want}")
        total = [ln for ln in lines if ln.startswith("total:")]
        expect(len(total) == 1 and str(res["macs"]["after"]) in total[0], f"totals line {total}")
        return f"{len(rows)} rows"

    def prune():
        res, _, cfg = p.run(pt, config_text, shape, out=out)
        expect(os.path.isfile(out), f"{out} not written")
        state["res"], state["cfg"] = res, cfg
        dry = state.get("dry")
        if dry:
            expect(dry["macs"] == res["macs"] and dry["params"] == res["params"],
                   "the dry run and the real run report different totals")

    def loads_and_runs():
        m = torch.jit.load(out)
        got = outputs(m, x)
        expect(len(got) == len(want), f"{len(got)} outputs, the original has {len(want)}")
        for g, w in zip(got, want):
            expect(g.shape == w.shape, f"output shape {tuple(g.shape)}, the original {tuple(w.shape)}")
            expect(bool(torch.isfinite(g).all()), "non-finite outputs")
        expect(set(m.state_dict()) == set(sd0), "state_dict keys changed")
        state["model"] = m

    def fewer_params():
        m = state["model"]
        before = sum(t.numel() for t in original.parameters())
        after = sum(t.numel() for t in m.parameters())
        res = state["res"]
        expect((before, after) == (res["params"]["before"], res["params"]["after"]),
               f"parameters {before} -> {after} in PyTorch, litecast reports {res['params']}")
        expect(after < before, f"parameters {before} -> {after}")
        return f"parameters {before} -> {after} (ratio {after / before:.3f})"

    def macs_drop():
        m, res = state["model"], state["res"]
        sd1 = m.state_dict()
        b, a = macs(sd0, per), macs(sd1, per)
        expect((b, a) == (res["macs"]["before"], res["macs"]["after"]),
               f"MACs {b} -> {a} counted in Python, litecast reports {res['macs']}")
        expect(a < b, f"MACs {b} -> {a}")
        return f"MACs {b} -> {a} (ratio {a / b:.3f})"

    def kept_as_configured():
        res = state["res"]
        sd1 = state["model"].state_dict()
        if name in EXPECT_GROUPS:
            got = {g["name"] for g in res["groups"]}
            expect(got == EXPECT_GROUPS[name], f"prunable groups {sorted(got)}, expected {sorted(EXPECT_GROUPS[name])}")
        for group, producers in EXPECT_PRODUCERS.get(name, {}).items():
            got = next((g["producers"] for g in res["groups"] if g["name"] == group), None)
            expect(got == producers, f"group {group}: producers {got}, expected {producers}")
        for g in res["groups"]:
            rate = g["sparsity"]
            expect(rate in (0.5, 0), f"{g['name']}: rate {rate}")
            expect(g["kept"] == kept_count(g["channels"], rate), f"{g['name']}: kept {g['kept']} of {g['channels']}")
            expect(len(g["kept_indices"]) == g["kept"], f"{g['name']}: {len(g['kept_indices'])} indices")
            for prod in g["producers"]:
                w = sd1[prod + ".weight"]
                dim = 1 if isinstance(dict(eager.named_modules())[prod], nn.ConvTranspose2d) else 0
                expect(w.shape[dim] == g["kept"], f"{prod}.weight has {w.shape[dim]} output channels, kept {g['kept']}")
        # Every group is pruned at the configured rate, the classifier's inputs too.
        zero = [g["name"] for g in res["groups"] if g["sparsity"] == 0]
        expect(not zero, f"groups left at rate 0: {zero}")
        for layer in res["layers"]:
            if layer["op"] == "linear" and layer["in"][0] >= 8:
                expect(layer["in"][1] < layer["in"][0], f"{layer['name']}: inputs {layer['in']} not pruned")
        if name in MAX_PARAMS:
            ratio = res["params"]["after"] / res["params"]["before"]
            expect(ratio <= MAX_PARAMS[name], f"keeps {ratio:.3f} of its parameters, at most {MAX_PARAMS[name]} expected")
        for layer, phrase in EXPECT_REFUSED.get(name, {}).items():
            reasons = {f["name"]: f["reason"] for f in res["left_whole"]}
            expect(layer in reasons, f"{layer} not listed as left whole ({reasons})")
            expect(phrase in reasons[layer], f"{layer}: reason {reasons[layer]!r} lacks {phrase!r}")
        return f"{len(res['groups'])} groups pruned"

    def trainable():
        m = state["model"]
        m.train()
        params = list(m.parameters())
        expect(all(t.requires_grad for t in params), "parameters without requires_grad")
        opt = torch.optim.SGD(params, lr=1e-3)
        loss = sum(o.float().pow(2).mean() for o in oracle.flatten(m(*x)))
        loss.backward()
        expect(all(t.grad is not None for t in params), "parameters without gradients")
        opt.step()

    def converts():
        spec = {"inputs": [{"shape": list(s)} for s in shapes_of(shape)]}
        tfl = os.path.join(tmp, name + "_pruned.tflite")
        if name.endswith("_scripted"):
            r = oracle.convert(p.cli, pt, tfl, spec, check=False)
            if r.returncode != 0:  # conversion is the converter's business; pruning kept the form
                return "skipped: litecast convert refuses the unpruned scripted model too: " + r.stderr.strip()[:120]
        oracle.convert(p.cli, out, tfl, spec)
        m = torch.jit.load(out)
        return oracle.compare(name + " (pruned)", oracle.run_litert(tfl, x), outputs(m, x))

    def follows_mode():
        # The pruned model trains like a module: .train() updates BatchNorm's running statistics
        # and makes dropout random, .eval() is deterministic; after a fine-tuning step, the
        # model saved in eval mode converts and LiteRT agrees with it.
        m = torch.jit.load(out)
        bns = [mod for n, mod in eager.named_modules() if isinstance(mod, nn.modules.batchnorm._BatchNorm)]
        drops = [mod for n, mod in eager.named_modules() if isinstance(mod, nn.Dropout) and mod.p > 0]
        counts = state["res"]["following_mode"]
        if name.endswith("_scripted"):  # scripted modules read self.training already
            expect(counts == {"batch_norm": 0, "dropout": 0}, f"rewrote flags of a scripted model: {counts}")
        else:
            expect(counts["batch_norm"] >= len(bns) and counts["dropout"] >= len(drops),
                   f"{counts} flags follow the mode; the model has {len(bns)} BatchNorm, {len(drops)} dropout")
        xb = [torch.cat([t, torch.randn_like(t)]) for t in x]  # batch statistics need more than one value
        stats0 = {k: v.clone() for k, v in m.state_dict().items() if k.endswith("running_mean")}
        m.train()
        with torch.no_grad():
            a, b = outputs(m, xb), outputs(m, xb)
        stats1 = {k: v for k, v in m.state_dict().items() if k.endswith("running_mean")}
        moved = [k for k in stats0 if not torch.equal(stats0[k], stats1[k])]
        expect(len(moved) == len(stats0), f"running_mean updated in {len(moved)} of {len(stats0)} BatchNorm layers")
        random = any(not torch.equal(u, v) for u, v in zip(a, b))
        expect(random == bool(drops), f"train mode: two runs differ={random}, the model has {len(drops)} dropout")
        opt = torch.optim.SGD(m.parameters(), lr=1e-3)
        loss = sum(o.float().pow(2).mean() for o in oracle.flatten(m(*xb)))
        loss.backward()
        opt.step()
        m.eval()
        c, d = outputs(m, x), outputs(m, x)
        expect(all(torch.equal(u, v) for u, v in zip(c, d)), "eval mode is not deterministic")
        tuned = os.path.join(tmp, name + "_tuned.pt")
        m.save(tuned)
        if name.endswith("_scripted") or name in ("resnet18", "densenet121", "shufflenet_v2_x1_0"):
            return (f"{len(moved)} BatchNorm layers update their statistics in train mode (conversion after "
                    f"fine-tuning checked on mobilenet_v2 and the small models, to keep this test short)")
        spec = {"inputs": [{"shape": list(s)} for s in shapes_of(shape)]}
        tfl = os.path.join(tmp, name + "_tuned.tflite")
        oracle.convert(p.cli, tuned, tfl, spec)
        cmp = oracle.compare(name + " (pruned, fine-tuned)", oracle.run_litert(tfl, x), outputs(torch.jit.load(tuned), x))
        return f"{len(moved)} BatchNorm layers update in train mode, {len(drops)} dropout; {cmp}"

    def config_written():
        res = state["res"]
        import yaml  # noqa: F401 (python3-yaml, a torch dependency)
        with open(state["cfg"]) as f:
            cfg = yaml.safe_load(f)
        names = {g["name"] for g in res["groups"]}
        keys = set(cfg["sparsity"]) - {"default"}
        expect(keys == names, f"written config keys differ from the groups: {sorted(keys ^ names)}")
        expect(cfg["metrics"] == "l2_norm", f"metrics {cfg['metrics']}")
        # Edit one layer's rate and run again from the written file.
        first = res["groups"][0]
        cfg["sparsity"][first["name"]] = 0.25
        edited = p.config(yaml.safe_dump(cfg))
        res2, _, _ = p.run(pt, None, shape, config_path=edited)
        g2 = next(g for g in res2["groups"] if g["name"] == first["name"])
        expect(g2["kept"] == kept_count(first["channels"], 0.25), f"edited rate: kept {g2['kept']}")
        return f"{len(keys)} layers; editing {first['name']} to 0.25 keeps {g2['kept']} of {first['channels']}"

    def sparsity_zero_identical():
        out0 = os.path.join(tmp, name + "_zero.pt")
        p.run(pt, "sparsity: 0\nmetrics: l2_norm\n", shape, out=out0)
        got = outputs(torch.jit.load(out0), x)
        for g, w in zip(got, want):
            expect(torch.equal(g, w), f"outputs differ at sparsity 0 (max {float((g - w).abs().max()):.3g})")

    def shuffle_equivalent():
        # The pruned `shuffle` model computes what the original does with the pruned channels
        # zeroed (weights and biases of their producers, and of the depthwise convolution that
        # sees the shuffled channels: position i * 2 + k is channel i of block k).
        kept = {g["name"]: g["kept_indices"] for g in state["res"]["groups"]}
        masked = models.shuffle()
        sd = masked.state_dict()

        def zero(layer, keep, n):
            drop = [i for i in range(n) if i not in keep]
            sd[layer + ".weight"][drop] = 0
            sd[layer + ".bias"][drop] = 0

        zero("stem", kept["stem"], 16)
        zero("mix", kept["mix"], 8)
        for layer in "ab":
            zero(layer, kept["a"], 8)
        for layer in "cde":
            zero(layer, kept["c"], 4)
        zero("dw", [i * 2 + k for i in kept["a"] for k in range(2)], 16)
        masked.load_state_dict(sd)
        got, ref = outputs(torch.jit.load(out), x), outputs(masked, x)  # `trainable` stepped state["model"]
        err = max(float((g - r).abs().max()) for g, r in zip(got, ref))
        expect(err < 1e-5, f"the pruned model differs from the masked original by {err:.3g}")
        return f"max difference {err:.3g}"

    checks = [("dry_run", dry_run, []), ("dry_run_table", dry_run_table, ["dry_run"]), ("prune", prune, []), ("loads_and_runs", loads_and_runs, ["prune"]),
              ("fewer_params", fewer_params, ["loads_and_runs"]), ("macs_drop", macs_drop, ["loads_and_runs"]),
              ("kept_as_configured", kept_as_configured, ["loads_and_runs"]),
              ("trainable", trainable, ["loads_and_runs"]), ("converts_litert", converts, ["loads_and_runs"]),
              ("follows_mode", follows_mode, ["loads_and_runs"]),
              ("config_written", config_written, ["prune"]), ("sparsity_zero_identical", sparsity_zero_identical, [])]
    if name == "shuffle":
        checks.append(("masked_equivalent", shuffle_equivalent, ["loads_and_runs"]))
    return [(f"{name}.{c}", f, [f"{name}.{d}" for d in deps]) for c, f, deps in checks]


# ---- metrics ----------------------------------------------------------------------------------
class MetricNet(nn.Module):
    """c1 and c3 feed one residual sum: one group, two producers; c2 is a group of its own."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 16, 3, padding=1)
        self.c2 = nn.Conv2d(16, 16, 3, padding=1)
        self.c3 = nn.Conv2d(16, 16, 1)
        self.out = nn.Conv2d(16, 4, 1)

    def forward(self, x):
        x = F.relu(self.c1(x))
        return self.out(self.c3(F.relu(self.c2(x))) + x)


def fnv1a(s):
    h = 0xcbf29ce484222325
    for c in s.encode():
        h = ((h ^ c) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


def splitmix_scores(seed, n):
    mask = 0xFFFFFFFFFFFFFFFF
    state, out = seed, []
    for _ in range(n):
        state = (state + 0x9E3779B97F4A7C15) & mask
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        z ^= z >> 31
        out.append(np.float32((z >> 11) / 9007199254740992.0))
    return np.array(out, dtype=np.float64)


def reference_scores(metric, rows, layer, seed):
    rows = rows.astype(np.float64)
    if metric == "l1_norm":
        return np.abs(rows).sum(1)
    if metric == "l2_norm":
        return np.sqrt((rows ** 2).sum(1))
    if metric == "fpgm":
        return np.sqrt(((rows[:, None, :] - rows[None, :, :]) ** 2).sum(2)).sum(1)
    if metric == "max_abs":
        return np.abs(rows).max(1)
    if metric == "random":
        return splitmix_scores(seed ^ fnv1a(layer), rows.shape[0])
    raise ValueError(metric)


def check_ranking(metric, scores, kept, what):
    removed = sorted(set(range(len(scores))) - set(kept))
    lo = min(scores[kept])
    hi = max(scores[removed]) if removed else -np.inf
    tol = 1e-5 * max(1.0, float(np.abs(scores).max()))
    expect(lo >= hi - tol, f"{metric} {what}: a removed channel scores {hi:.6g}, above a kept one ({lo:.6g})")


def metric_checks(p, tmp, metrics=("random", "l1_norm", "l2_norm", "fpgm"), extra=()):
    torch.manual_seed(0)
    eager = MetricNet().eval()
    pt = os.path.join(tmp, "metricnet.pt")
    torch.jit.trace(eager, torch.randn(1, 3, 8, 8)).save(pt)
    sd = {k: v.detach().numpy().astype(np.float64) for k, v in eager.state_dict().items()}
    rows = {"c1": np.concatenate([sd["c1.weight"].reshape(16, -1), sd["c3.weight"].reshape(16, -1)], 1),
            "c2": sd["c2.weight"].reshape(16, -1)}
    seed = 5

    def one(metric):
        def check():
            out = os.path.join(tmp, f"metric_{metric}.pt")
            res, _, _ = p.run(pt, f"sparsity: 0.5\nmetrics: {metric}\nseed: {seed}\n", (1, 3, 8, 8), out=out,
                              extra=extra)
            groups = {g["name"]: g for g in res["groups"]}
            expect(set(groups) == {"c1", "c2"}, f"groups {sorted(groups)}")
            expect(groups["c1"]["producers"] == ["c1", "c3"], f"c1's producers {groups['c1']['producers']}")
            for name, r in rows.items():
                kept = groups[name]["kept_indices"]
                expect(len(kept) == 8, f"{name}: kept {len(kept)}")
                check_ranking(metric, reference_scores(metric, r, name, seed), kept, name)
            # The weights are the original ones at the kept indices.
            m = torch.jit.load(out).state_dict()
            k1, k2 = groups["c1"]["kept_indices"], groups["c2"]["kept_indices"]
            expect(np.array_equal(m["c2.weight"].numpy(), sd["c2.weight"][k2][:, k1].astype(np.float32)),
                   "c2.weight is not the original sliced at the kept channels")
            expect(np.array_equal(m["c3.bias"].numpy(), sd["c3.bias"][k1].astype(np.float32)),
                   "c3.bias is not the original sliced at the kept channels")
            return f"c1 keeps {k1}"
        return check

    def grouped():
        # A grouped convolution: its input and output groups keep the best channels block by block.
        torch.manual_seed(0)
        net = nn.Sequential(nn.Conv2d(3, 16, 3), nn.ReLU(), nn.Conv2d(16, 16, 3, groups=4), nn.ReLU(),
                            nn.Conv2d(16, 4, 1)).eval()
        gpt, out = os.path.join(tmp, "grouped.pt"), os.path.join(tmp, "grouped_pruned.pt")
        torch.jit.trace(net, torch.randn(1, 3, 8, 8)).save(gpt)
        res, _, _ = p.run(gpt, "sparsity: 0.5\nmetrics: l2_norm\n", (1, 3, 8, 8), out=out)
        groups = {g["name"]: g["kept_indices"] for g in res["groups"]}
        expect(set(groups) == {"0", "2"}, f"groups {sorted(groups)}")
        w = {k: v.detach().numpy().astype(np.float64) for k, v in net.state_dict().items()}
        for name in ("0", "2"):
            scores = reference_scores("l2_norm", w[name + ".weight"].reshape(16, -1), name, 0)
            for b in range(4):
                block = [c for c in groups[name] if c // 4 == b]
                expect(len(block) == 2, f"{name}: block {b} keeps {block}")
                check_ranking("l2_norm", scores[4 * b:4 * b + 4], [c - 4 * b for c in block], f"{name} block {b}")
        got = torch.jit.load(out).state_dict()["2.weight"].numpy()
        k0, k2 = groups["0"], groups["2"]
        want = np.stack([w["2.weight"][o][[c - 4 * (o // 4) for c in k0 if c // 4 == o // 4]] for o in k2])
        expect(np.array_equal(got, want.astype(np.float32)), "the grouped weight is not sliced block by block")
        return f"input keeps {k0}, output keeps {k2}"

    return [(f"metric_{m}", one(m), []) for m in metrics] + [("metric_grouped_blocks", grouped, [])]


# ---- options ----------------------------------------------------------------------------------
def option_checks(p, tmp):
    torch.manual_seed(0)
    eager = MetricNet().eval()
    pt = os.path.join(tmp, "metricnet.pt")
    torch.jit.trace(eager, torch.randn(1, 3, 8, 8)).save(pt)
    shape = (1, 3, 8, 8)

    def kept(text):
        res, _, _ = p.run(pt, text, shape)
        return {g["name"]: g["kept"] for g in res["groups"]}

    def multiple():
        plain, rounded = kept("sparsity: 0.6\n"), kept("sparsity: 0.6\nmultiple: 8\n")
        expect(plain == {"c1": 7, "c2": 7}, f"sparsity 0.6 of 16 keeps {plain}")
        expect(rounded == {"c1": 8, "c2": 8}, f"with multiple 8 keeps {rounded}")

    def exclude_layers():
        got = kept("sparsity: 0.5\nexclude_layers: [c3]\n")
        expect(got == {"c1": 16, "c2": 8}, f"excluding c3 (pruned with c1) keeps {got}")

    def exclude_ops():
        got = kept("sparsity: 0.5\nexclude_ops: [conv]\n")
        expect(got == {"c1": 16, "c2": 16}, f"excluding conv keeps {got}")

    def per_layer():
        got = kept("sparsity:\n  default: 0.5\n  c2: 0.25\n")
        expect(got == {"c1": 8, "c2": 12}, f"per-layer rates keep {got}")

    def skip_last_fc():
        # TinyNeuralNetwork's meaning: the last layer, when a linear one, keeps its own output
        # channels unless named; its inputs are pruned with their producers (here SENet's
        # classifier input channels, flattened through the global pooling). Outputs stay whole
        # anyway, so true and false prune the same channels.
        eager2 = models.SENet().eval()
        pt2 = os.path.join(tmp, "senet_fc.pt")
        torch.jit.trace(eager2, torch.randn(1, 3, 16, 16)).save(pt2)
        res, _, _ = p.run(pt2, "sparsity: 0.5\n", (1, 3, 16, 16))
        res2, _, _ = p.run(pt2, "sparsity: 0.5\nskip_last_fc: false\n", (1, 3, 16, 16))
        a = {g["name"]: g["kept"] for g in res["groups"]}
        b = {g["name"]: g["kept"] for g in res2["groups"]}
        expect(a == b, f"skip_last_fc true/false: {a} / {b}")
        fc = next(l for l in res["layers"] if l["name"] == "fc")
        expect(fc["in"] == [64, 32] and fc["out"] == [10, 10], f"the classifier: in {fc['in']}, out {fc['out']}")
        return f"fc inputs 64 -> 32 either way; groups {a}"

    def example_input():
        """--example-input (a torch.save file) instead of --input-shape: the same groups; an
        --input-shape that disagrees with it is one error line."""
        ex = os.path.join(tmp, "metricnet.inputs.pt")
        torch.save(torch.randn(1, 3, 8, 8), ex)
        cfg = p.config("sparsity: 0.5\n")
        cmd = [p.cli, "prune", pt, "-c", cfg, "--json", "-q", "--dry-run", "--example-input", ex]
        r = subprocess.run(cmd, capture_output=True, text=True)
        expect(r.returncode == 0, f"litecast prune --example-input exited {r.returncode}: {r.stderr.strip()}")
        got = {g["name"]: g["kept"] for g in json.loads(r.stdout)["groups"]}
        want = kept("sparsity: 0.5\n")
        expect(got == want, f"--example-input keeps {got}, --input-shape {want}")
        r = subprocess.run(cmd + ["--input-shape", "1,3,9,9"], capture_output=True, text=True)
        err = r.stderr.strip()
        expect(r.returncode != 0 and len(err.splitlines()) == 1 and "metricnet.inputs.pt" in err
               and "--input-shape" in err, f"{r.returncode}: {err!r}")

    return [(n, f, []) for n, f in [("multiple", multiple), ("exclude_layers", exclude_layers),
                                      ("exclude_ops", exclude_ops), ("per_layer", per_layer),
                                      ("skip_last_fc", skip_last_fc), ("example_input", example_input)]]


# ---- errors -----------------------------------------------------------------------------------
def error_checks(p, tmp):
    eager, pt, shape = trace("deps", tmp)
    cases = [
        ("unknown_metric", "sparsity: 0.5\nmetrics: nosuch\n", ["'metrics'", "nosuch"]),
        ("rate_one", "sparsity: 1.0\n", ["'sparsity'", "[0, 1)"]),
        ("rate_negative_layer", "sparsity:\n  default: 0.5\n  stem: -0.1\n", ["'sparsity.stem'"]),
        ("rate_not_a_number", "sparsity: half\n", ["'sparsity'", "half"]),
        ("unknown_layer", "sparsity:\n  default: 0.5\n  nosuch.layer: 0.5\n", ["'sparsity.nosuch.layer'", "unknown layer"]),
        ("layer_left_whole", "sparsity:\n  default: 0.5\n  head: 0.5\n", ["'sparsity.head'", "cannot be pruned"]),
        ("malformed_yaml", "sparsity: [0.5\nmetrics: l2_norm\n", ["malformed YAML", ".yaml"]),
        ("unknown_key", "sparsity: 0.5\nsparsiti: 0.5\n", ["'sparsiti'"]),
        ("missing_sparsity", "metrics: l2_norm\n", ["'sparsity'"]),
        ("bad_multiple", "sparsity: 0.5\nmultiple: 0\n", ["'multiple'"]),
    ]

    def case(text, phrases):
        def check():
            out = os.path.join(tmp, "bad.pt")
            _, r, cfg = p.run(pt, text, shape, out=out, check=False)
            err = r.stderr.strip()
            expect(r.returncode != 0, "exit code 0")
            expect(len(err.splitlines()) == 1 and err.startswith("error: "), f"stderr is not one error line: {err!r}")
            expect("Traceback" not in err and "frame #" not in err, "a stack trace")
            for ph in phrases:
                expect(ph in err, f"{err!r} lacks {ph!r}")
            expect(not os.path.exists(out) and not os.path.exists(out + ".tmp"), "an output file was written")
            with open(cfg) as f:
                expect(f.read() == text, "the config was rewritten")
            return err
        return check

    def not_torchscript():
        bad = os.path.join(tmp, "garbage.pt")
        with open(bad, "wb") as f:
            f.write(b"not a zip archive at all")
        out = os.path.join(tmp, "bad2.pt")
        _, r, _ = p.run(bad, "sparsity: 0.5\n", shape, out=out, check=False)
        expect(r.returncode != 0 and "garbage.pt" in r.stderr and len(r.stderr.strip().splitlines()) == 1,
               f"{r.returncode}: {r.stderr.strip()!r}")
        expect(not os.path.exists(out), "an output file was written")

    def wrong_input_shape():
        out = os.path.join(tmp, "bad3.pt")
        _, r, _ = p.run(pt, "sparsity: 0.5\n", (1, 5, 16, 16), out=out, check=False)
        err = r.stderr.strip()
        expect(r.returncode != 0 and len(err.splitlines()) == 1 and "input" in err, f"{r.returncode}: {err!r}")
        expect(not os.path.exists(out), "an output file was written")

    return [(f"error_{n}", case(t, ph), []) for n, t, ph in cases] + [
        ("error_not_torchscript", not_torchscript, []), ("error_wrong_input_shape", wrong_input_shape, [])]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("what", choices=["model", "metrics", "options", "errors"])
    ap.add_argument("name", nargs="?")
    a = ap.parse_args()
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory(prefix="litecast-prune-") as tmp:
        p = Pruner(a.cli, tmp)
        if a.what == "model":
            checks = check_model(a.name, p, tmp)
        elif a.what == "metrics":
            checks = metric_checks(p, tmp)
        elif a.what == "options":
            checks = option_checks(p, tmp)
        else:
            checks = error_checks(p, tmp)
        return checklist.run(checks, (Failure, oracle.Failure), "prune")


if __name__ == "__main__":
    sys.exit(main())

"""rnn_helpers.experiments.names: tiny, fast runs of the names experiment and its helpers."""

import json
import subprocess
import sys

import numpy as np
import pytest
import torch

from rnn_helpers.experiments import names


@pytest.fixture(scope="module")
def task():
    return names.prepare(seed=0)


def test_prepare_is_consistent(task):
    M = len(task.data)
    assert task.ids.shape == (M, task.lengths.max()) and task.labels.shape == (M,)
    assert sorted(np.concatenate([task.train, task.val, task.test]).tolist()) == list(range(M))
    assert np.bincount(task.labels).max() <= names.MAX_PER_LANGUAGE
    n = task.train[5]
    decoded = "".join(task.alphabet[i - 1] for i in task.ids[n, :task.lengths[n]])
    assert decoded == task.data.names[n] and np.all(task.ids[n, task.lengths[n]:] == 0)


def test_classifier_last_pooling_equals_each_name_alone(task):
    torch.manual_seed(0)
    model = names.NameClassifier(len(task.alphabet), 12, hidden=8, bidirectional=True).eval()
    idx = task.test[:6]
    ids = torch.from_numpy(task.ids[idx, :task.lengths[idx].max()])
    with torch.no_grad():
        batch_logits = model(ids, task.lengths[idx])
        for k, n in enumerate(idx):
            alone = torch.from_numpy(task.ids[n:n + 1, :task.lengths[n]])
            torch.testing.assert_close(batch_logits[k], model(alone, task.lengths[n:n + 1])[0])
        naive = model(ids, task.lengths[idx], pooling="naive")
        mean = model(ids, task.lengths[idx], pooling="mean")
    short = task.lengths[idx] < ids.shape[1]
    assert short.any()
    assert (naive - batch_logits).abs().amax(dim=1)[torch.from_numpy(short)].min() > 1e-6
    assert mean.shape == batch_logits.shape
    with pytest.raises(ValueError, match="pooling"):
        names.NameClassifier(29, 12, pooling="max")
    with pytest.raises(ValueError, match="cell"):
        names.NameClassifier(29, 12, cell="transformer")


def test_tiny_experiment(task):
    metrics, art = names.experiment(30, seed=0, steps=6, task=task)
    json.dumps(metrics)  # JSON-able
    assert metrics["rnn"]["steps"] == 6 and metrics["rnn"]["stopped"] == "steps"
    for key in ("rnn", "baseline_bag_of_characters", "baseline_bag_of_bigrams"):
        assert 0 <= metrics[key]["test_accuracy"] <= 1 and 0 <= metrics[key]["test_macro_f1"] <= 1
    C = np.array(metrics["confusion_matrix_rnn"])
    assert C.shape == (12, 12) and C.sum() == metrics["n_test"] == len(task.test)
    assert np.trace(C) / C.sum() == pytest.approx(metrics["rnn"]["test_accuracy"])
    # the baselines are real: clearly above the majority class even after no RNN training
    assert metrics["baseline_bag_of_bigrams"]["test_accuracy"] > 0.5 > metrics["majority_class_accuracy"]
    assert metrics["baseline_bag_of_bigrams"]["test_accuracy"] > metrics["baseline_bag_of_characters"]["test_accuracy"]
    low, high = metrics["rnn_minus_bigrams_ci95"]
    assert low <= high
    assert art["pred_rnn"].shape == (len(task.test),)
    # split 0: the stored 1-4-gram baseline, whose accuracy is the stored table's
    table = json.loads((names.results_dir() / "ngram_baselines.json").read_text())
    ng = metrics["baseline_ngrams_1_4"]
    assert ng["test_accuracy"] == pytest.approx(table["results"]["1-4"]["test_accuracy"])
    assert ng["test_macro_f1"] == pytest.approx(table["results"]["1-4"]["test_macro_f1"])
    low, high = metrics["rnn_minus_ngrams_1_4_ci95"]
    assert low <= metrics["rnn"]["test_accuracy"] - ng["test_accuracy"] <= high
    line = names.summary(metrics)
    assert line["baseline"] == {"name": ng["model"], "value": ng["test_accuracy"]}
    assert line["difference_ci95"] == [low, high]
    # another split has no stored baseline: the run's own bigram regression
    other = {k: v for k, v in metrics.items() if "ngrams_1_4" not in k}
    assert names.summary(other)["baseline"]["name"] == metrics["baseline_bag_of_bigrams"]["model"]


def test_training_is_reproducible(task):
    a = names.train_classifier(task, steps=3, seconds=30, seed=1, eval_every=3)
    b = names.train_classifier(task, steps=3, seconds=30, seed=1, eval_every=3)
    assert a[1].losses == b[1].losses
    for pa, pb in zip(a[0].parameters(), b[0].parameters()):
        assert torch.equal(pa, pb)
    with pytest.raises(ValueError, match="unknown settings"):
        names.train_classifier(task, steps=1, seconds=1, hiddne=3)


def test_run_rejects_bad_seconds():
    with pytest.raises(ValueError, match="seconds"):
        names.run(0)


@pytest.mark.slow
def test_command_line_prints_json():
    out = subprocess.run([sys.executable, "-m", "rnn_helpers.experiments", "names", "--seconds", "0.1"],
                         capture_output=True, text=True, check=True, timeout=600).stdout
    metrics = json.loads(out)
    assert metrics["rnn"]["steps"] >= 1 and "baseline_bag_of_bigrams" in metrics



def test_two_executions_give_identical_metrics(task):
    """Steps, not seconds, decide: the same call twice gives the same numbers."""
    a, _ = names.experiment(30, seed=0, steps=5, task=task)
    b, _ = names.experiment(30, seed=0, steps=5, task=task)
    assert a == b and a["rnn"]["steps"] == 5 and a["rnn"]["stopped"] == "steps"


def test_the_wall_time_cap_raises_instead_of_shortening(task):
    with pytest.raises(RuntimeError, match="safety cap"):
        names.train_classifier(task, steps=10**6, seconds=1e-3, seed=0, eval_every=10**6)


def test_stored_ngram_table_is_complete_and_matches_the_defaults():
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "results" / "names" / "ngram_baselines.json"
    table = json.loads(path.read_text())
    assert table["config"] == {"seed": 0, "ngram_ranges": [list(r) for r in names.NGRAM_RANGES],
                               "Cs": list(names.NGRAM_CS), "max_per_language": names.MAX_PER_LANGUAGE}
    assert set(table["results"]) == {f"{a}-{b}" for a, b in names.NGRAM_RANGES}
    for row in table["results"].values():
        assert row["C"] in names.NGRAM_CS and 0 < row["test_accuracy"] < 1 and row["n_features"] > 0


def test_cosine_schedule_changes_training_and_lr_final_one_is_constant(task):
    const = names.train_classifier(task, steps=4, seconds=900, seed=2, eval_every=4)
    same = names.train_classifier(task, steps=4, seconds=900, seed=2, eval_every=4, lr_final=1.0)
    decayed = names.train_classifier(task, steps=4, seconds=900, seed=2, eval_every=4, lr_final=0.05)
    assert const[1].losses == same[1].losses
    assert const[1].losses[:2] == decayed[1].losses[:2]  # the first update uses the full rate
    assert const[1].losses[2:] != decayed[1].losses[2:]
    with pytest.raises(ValueError, match="lr_final"):
        names.train_classifier(task, steps=1, seconds=10, lr_final=0.0)


def test_weights_round_trip_in_float16(task, tmp_path):
    torch.manual_seed(0)
    model = names.NameClassifier(len(task.alphabet), 12, hidden=8, bidirectional=True).eval()
    names.save_weights(model, tmp_path / "w.pt")
    back = names.load_classifier(task, tmp_path / "w.pt", hidden=8, dropout=0.0)
    for (k, a), (_, b) in zip(model.state_dict().items(), back.state_dict().items()):
        torch.testing.assert_close(b, a.half().float(), rtol=0, atol=0, msg=k)
    logp = names.class_log_probs(back, task, task.test[:7])
    assert logp.shape == (7, 12)
    np.testing.assert_allclose(np.exp(logp).sum(axis=1), 1.0, rtol=1e-10)


def test_mixture_comparison_against_a_direct_computation():
    rng = np.random.default_rng(0)
    Kv, K, Q, S = 40, 30, 4, 3

    def logp(*shape):
        x = rng.normal(size=shape + (Q,))
        return x - np.log(np.exp(x).sum(-1, keepdims=True))

    yv, yt = rng.integers(0, Q, Kv), rng.integers(0, Q, K)
    rv, rt, bv, bt = logp(S, Kv), logp(S, K), logp(Kv), logp(K)
    out = names.mixture_comparison(yv, yt, rv, rt, bv, bt)
    lams = np.linspace(0, 1, 41)
    for s in range(S):
        # oracle: the mixture's validation cross-entropy on the grid, probabilities mixed directly
        nll = [-np.mean(np.log(lam * np.exp(rv[s, np.arange(Kv), yv]) + (1 - lam) * np.exp(bv[np.arange(Kv), yv])))
               for lam in lams]
        lam = lams[int(np.argmin(nll))]
        assert out["mixture"]["lambda_rnn"][s] == pytest.approx(lam)
        mix = lam * np.exp(rt[s]) + (1 - lam) * np.exp(bt)
        assert out["mixture"]["test_accuracy"][s] == pytest.approx(np.mean(mix.argmax(1) == yt))
        assert out["rnn"]["test_accuracy"][s] == pytest.approx(np.mean(rt[s].argmax(1) == yt))
    assert out["baseline"]["test_accuracy"] == pytest.approx(np.mean(bt.argmax(1) == yt))
    low, high = out["rnn_minus_baseline_ci95"]
    diff = np.mean(out["rnn"]["test_accuracy"]) - out["baseline"]["test_accuracy"]
    assert low <= diff + 1e-12 and diff - 1e-12 <= high
    with pytest.raises(ValueError, match="logp_rnn_val"):
        names.mixture_comparison(yv, yt, rv[:, :5], rt, bv, bt)


def test_stored_gru_runs_are_complete_and_match_the_defaults(task):
    folder = names.results_dir()
    table = json.loads((folder / "gru_runs.json").read_text())
    cfg = table["config"]
    assert cfg["steps"] == names.GRU_STEPS and cfg["lr_final"] == names.GRU_LR_FINAL
    assert cfg["sweep"] == [dict(c) for c in names.GRU_SWEEP] and cfg["seeds"] == list(names.GRU_SEEDS)
    assert cfg["sweep_seed"] == names.SWEEP_SEED and cfg["data_seed"] == 0
    assert cfg["model_defaults"] == names.MODEL_DEFAULTS
    assert cfg["baseline"] == {"ngram_range": list(names.BEST_NGRAM_RANGE), "Cs": list(names.NGRAM_CS)}
    vals = [row["val_accuracy"] for row in table["sweep"]]
    assert table["chosen"] == dict(names.GRU_SWEEP[int(np.argmax(vals))])  # chosen on validation
    assert [run["seed"] for run in table["runs"]] == list(names.GRU_SEEDS)
    for run in table["runs"]:
        assert run["steps"] == names.GRU_STEPS and len(run["losses"]) == names.GRU_STEPS
        assert (folder / run["weights"]).stat().st_size < 2_000_000
    # the stored weights re-evaluated give the stored accuracy (first seed, test names)
    model = names.load_classifier(task, folder / table["runs"][0]["weights"], **names.gru_config(table))
    acc = names.accuracy(task.labels[task.test], names.class_log_probs(model, task, task.test).argmax(1))
    assert abs(acc - table["runs"][0]["test_accuracy"]) <= 1 / len(task.test) + 1e-12
    assert table["comparison"]["seeds"] == len(names.GRU_SEEDS)

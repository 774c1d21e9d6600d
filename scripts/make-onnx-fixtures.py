#!/usr/bin/python3
"""Builds the ONNX test fixtures in test/fixtures/onnx/ with the real PyTorch exporter.

Run:  /usr/bin/python3 scripts/make-onnx-fixtures.py      (torch 1.13, onnx 1.12; not run in CI)

For every model that runs it writes <name>.onnx, <name>.fa (5 sequences of the model's length)
and <name>.expected.json (what the PyTorch model returns for those sequences, in float32), then
checks each file with onnx.checker and, when node and onnxruntime-node are available, runs
scripts/check-onnx-fixtures.mjs so a second implementation (ONNX Runtime) confirms the values.
It also writes the refusal fixtures and README.md (op types and sizes are read back from the files,
so the README always matches them: edit this script, not the README).

Weights are random (fixed seeds) but rescaled on a calibration batch so that every layer's output
has a useful spread: otherwise deep random nets give saturated sigmoids or all-zero ReLUs and a
loader bug could hide behind constant outputs. BatchNorm running statistics are set to values
that are far from the identity (variance in [0.5, 2]), and every model is exported in eval mode.
"""
import copy
import hashlib
import json
import math
import os
import random
import shutil
import subprocess
import sys

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'onnx')
ALPHABET = 'ACGT'
N_SEQ = 5

torch.use_deterministic_algorithms(True)
torch.set_num_threads(1)


# ---------------------------------------------------------------------------------------------
# Sequences and one-hot encoding


def make_sequences(length, seed):
    """Five sequences: random upper case, all lower case, one with a run of N, two more random."""
    rng = random.Random(seed)
    seqs = [''.join(rng.choice(ALPHABET) for _ in range(length)) for _ in range(N_SEQ)]
    seqs[1] = seqs[1].lower()
    run = max(5, length // 10)
    start = length // 3
    seqs[2] = seqs[2][:start] + 'N' * run + seqs[2][start + run:]
    ids = ['seq0_random', 'seq1_lowercase', 'seq2_run_of_N', 'seq3_random', 'seq4_random']
    return [{'id': i, 'sequence': s} for i, s in zip(ids, seqs)]


def one_hot_ncl(seqs):
    """(N, 4, L) float32: A,C,G,T -> channels 0..3 (case-insensitive); N or any other letter -> zeros."""
    length = len(seqs[0])
    x = np.zeros((len(seqs), 4, length), dtype=np.float32)
    for n, s in enumerate(seqs):
        for i, ch in enumerate(s.upper()):
            k = ALPHABET.find(ch)
            if k >= 0:
                x[n, k, i] = 1.0
    return x


def to_layout(x_ncl, layout):
    if layout == 'NCL':
        return x_ncl
    if layout == 'NLC':
        return np.ascontiguousarray(x_ncl.transpose(0, 2, 1))
    if layout == 'NC1L':
        return np.ascontiguousarray(x_ncl[:, :, None, :])
    raise ValueError(layout)


def random_one_hot(n, length, layout, seed):
    rng = np.random.RandomState(seed)
    idx = rng.randint(0, 4, size=(n, length))
    x = np.zeros((n, 4, length), dtype=np.float32)
    for k in range(4):
        x[:, k, :] = idx == k
    return torch.from_numpy(to_layout(x, layout))


# ---------------------------------------------------------------------------------------------
# Calibration: rescale weights so activations are neither dead nor saturated


def _capture(model, module, x, want_input):
    box = {}

    def hook(_m, inp, out):
        box['v'] = (inp[0] if want_input else out).detach()

    h = module.register_forward_hook(hook)
    with torch.no_grad():
        model(x)
    h.remove()
    return box['v']


def calibrate(model, x, seed, final=()):
    """Layer by layer in registration order (which is forward order in these models):
    Conv/Linear outputs scaled to standard deviation 1; BatchNorm gets running_mean near the
    real per-channel mean (so ReLU passes about half), running_var in [0.5, 2], weight in
    [0.6, 1.5], bias in [-0.3, 0.3]; LayerNorm gets a non-trivial affine. Each (layer, sd) in
    `final` (the output layers) is scaled to standard deviation sd with each unit's mean moved to a random offset in [-1, 1]
    (logits that a sigmoid keeps well inside (0.05, 0.95); regression outputs near 0, where an
    absolute tolerance of 1e-5 means what it says)."""
    g = torch.Generator().manual_seed(seed)

    def u(shape, lo, hi):
        return lo + (hi - lo) * torch.rand(shape, generator=g)

    model.eval()
    for module in model.modules():
        with torch.no_grad():
            if isinstance(module, (nn.Conv1d, nn.Conv2d, nn.ConvTranspose1d, nn.Linear)):
                out = _capture(model, module, x, want_input=False)
                std = float(out.std())
                module.weight.mul_(1.0 / std)
                if module.bias is not None:
                    module.bias.mul_(1.0 / std)
                target = next((t for f, t in final if f is module), None)
                if target is not None:
                    scale = target / float(_capture(model, module, x, want_input=False).std())
                    module.weight.mul_(scale)
                    module.bias.mul_(scale)
                    out = _capture(model, module, x, want_input=False)
                    dims = [d for d in range(out.dim()) if d != 1]
                    mean = out.mean(dim=dims)
                    module.bias.add_(-mean + u(mean.shape, -1.0, 1.0))
            elif isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)):
                inp = _capture(model, module, x, want_input=True)
                dims = [d for d in range(inp.dim()) if d != 1]
                c = module.num_features
                mean = inp.mean(dim=dims)
                sd = inp.std(dim=dims)
                module.running_mean.copy_(mean + sd * u((c,), -0.3, 0.3))
                module.running_var.copy_(u((c,), 0.5, 2.0))
                module.weight.copy_(u((c,), 0.6, 1.5))
                module.bias.copy_(u((c,), -0.3, 0.3))
            elif isinstance(module, nn.LayerNorm):
                module.weight.copy_(u(module.weight.shape, 0.6, 1.5))
                module.bias.copy_(u(module.bias.shape, -0.3, 0.3))
    model.eval()


# ---------------------------------------------------------------------------------------------
# Models


class BassetLike(nn.Module):
    """Basset (Kelley et al. 2016) shape at small width: 600 bp, three conv blocks, three dense."""
    length = 600

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv1d(4, 16, 19, padding=9)
        self.bn1 = nn.BatchNorm1d(16)
        self.pool1 = nn.MaxPool1d(3)
        self.conv2 = nn.Conv1d(16, 24, 11, padding=5)
        self.bn2 = nn.BatchNorm1d(24)
        self.pool2 = nn.MaxPool1d(4)
        self.conv3 = nn.Conv1d(24, 32, 7)  # no padding here: 50 -> 44
        self.bn3 = nn.BatchNorm1d(32)
        self.pool3 = nn.MaxPool1d(4)  # 44 -> 11
        self.fc1 = nn.Linear(32 * 11, 64)
        self.drop1 = nn.Dropout(0.3)
        self.fc2 = nn.Linear(64, 64)
        self.drop2 = nn.Dropout(0.3)
        self.fc3 = nn.Linear(64, 164)

    def forward(self, x):
        x = self.pool1(F.relu(self.bn1(self.conv1(x))))
        x = self.pool2(F.relu(self.bn2(self.conv2(x))))
        x = self.pool3(F.relu(self.bn3(self.conv3(x))))
        x = x.view(x.size(0), -1)
        x = self.drop1(F.relu(self.fc1(x)))
        x = self.drop2(F.relu(self.fc2(x)))
        return torch.sigmoid(self.fc3(x))


class DeepStarrLike(nn.Module):
    """DeepSTARR (de Almeida et al. 2022) shape: 249 bp, four conv blocks, two dense, Dev and Hk."""
    length = 249

    def __init__(self):
        super().__init__()
        blocks = []
        cin = 4
        for cout, k in zip((16, 12, 12, 16), (7, 3, 5, 3)):
            blocks += [nn.Conv1d(cin, cout, k, padding=k // 2), nn.BatchNorm1d(cout), nn.ReLU(), nn.MaxPool1d(2)]
            cin = cout
        self.convs = nn.Sequential(*blocks)  # 249 -> 124 -> 62 -> 31 -> 15
        self.dense = nn.Sequential(
            nn.Linear(16 * 15, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Dropout(0.4),
            nn.Linear(32, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Dropout(0.4),
        )
        self.dev = nn.Linear(32, 1)
        self.hk = nn.Linear(32, 1)

    def forward(self, x):
        x = self.convs(x)
        x = x.flatten(1)
        x = self.dense(x)
        return self.dev(x), self.hk(x)


class BPNetLike(nn.Module):
    """BPNet (Avsec et al. 2021) shape: dilated residual convs, cropped profile head, counts head."""
    length = 1000

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv1d(4, 16, 21, padding=10)
        self.dil = nn.ModuleList([nn.Conv1d(16, 16, 3, dilation=d, padding=d) for d in (2, 4, 8, 16, 32, 64)])
        self.profile = nn.Conv1d(16, 2, 75, padding=37)
        self.counts = nn.Linear(16, 1)

    def forward(self, x):
        x = F.relu(self.stem(x))
        for conv in self.dil:
            x = x + F.relu(conv(x))
        profile = self.profile(x)[:, :, 100:-100]
        counts = self.counts(x.mean(dim=2))
        return profile, counts


class NlcInput(nn.Module):
    """Channels-last input (N, L, 4), permuted inside the graph."""
    length = 100

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(4, 8, 5)
        self.pool = nn.MaxPool1d(2)
        self.fc = nn.Linear(8 * 48, 3)

    def forward(self, x):
        x = x.permute(0, 2, 1)
        x = self.pool(F.relu(self.conv(x)))
        return F.softmax(self.fc(x.flatten(1)), dim=1)


class Conv2dInput(nn.Module):
    """(N, 4, 1, L) input with 2-D convolutions, as Keras-1-style models exported to ONNX have."""
    length = 120

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 8, (1, 9))
        self.bn = nn.BatchNorm2d(8)
        self.pool = nn.MaxPool2d((1, 4))
        self.dw = nn.Conv2d(8, 8, (1, 5), groups=8)
        self.fc = nn.Linear(8 * 24, 2)

    def forward(self, x):
        x = self.pool(F.relu(self.bn(self.conv(x))))  # 120 -> 112 -> 28
        x = self.dw(x)  # 28 -> 24
        return torch.sigmoid(self.fc(x.flatten(1)))


class OpsZooA(nn.Module):
    """Convolution variants, pools, normalisation and activations, all on the data path."""
    length = 64

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(4, 8, 3, stride=2, dilation=2)
        self.deconv = nn.ConvTranspose1d(8, 8, 4, stride=2, padding=1)
        self.avg = nn.AvgPool1d(2)
        self.maxc = nn.MaxPool1d(3, stride=2, ceil_mode=True)
        self.ln = nn.LayerNorm(8)
        self.gelu = nn.GELU()
        self.gelu_tanh = nn.GELU(approximate='tanh')
        self.gap = nn.AdaptiveAvgPool1d(1)
        self.gmp = nn.AdaptiveMaxPool1d(1)
        self.fc = nn.Linear(24, 5)

    def forward(self, x):
        h = F.pad(x, (2, 1))  # asymmetric constant padding: 64 -> 67
        h = F.elu(self.conv(h))  # stride 2, dilation 2: 67 -> 32
        h = F.selu(self.deconv(h))  # 32 -> 64
        h = F.leaky_relu(self.avg(h), 0.1)  # 64 -> 32
        h = F.softplus(self.maxc(h))  # ceil mode: 32 -> 16
        h = self.ln(h.transpose(1, 2)).transpose(1, 2)  # LayerNorm over channels
        a, b = torch.chunk(h, 2, dim=1)  # (N, 4, 16) each
        a = self.gelu(a)
        b = self.gelu_tanh(b)
        h = torch.cat([torch.tanh(a), torch.sigmoid(b), F.hardtanh(a - b, -0.5, 0.5)], dim=1)  # (N, 12, 16)
        g = torch.cat([self.gap(h), self.gmp(h)], dim=1).squeeze(2)  # (N, 24)
        return self.fc(g)


class OpsZooB(nn.Module):
    """Tensor manipulation, arithmetic, reductions, softmax, Where, Gather and MatMul."""
    length = 64

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(4, 8, 5, padding=2)
        self.register_buffer('idx', torch.tensor([0, 2, 4, 6, 9, 12, 18]))
        self.w = nn.Parameter(torch.randn(8, 6) / math.sqrt(8))
        self.fc = nn.Linear(66 * 6 + 66, 5)

    def forward(self, x):
        h = self.conv(x)  # (N, 8, 64)
        p, q = torch.split(h, [3, 5], dim=1)
        sm = F.softmax(q, dim=1)
        lsm = F.log_softmax(q, dim=1)
        w = torch.where(p > 0, p, 0.1 * p)
        pos = w * w + 1.0  # >= 1, so log, sqrt and division are safe
        e = torch.exp(torch.tanh(w))
        d = w / torch.sqrt(pos)
        diff = torch.log(pos) - e
        pw = torch.pow(w, 3)
        c = torch.cat([sm, lsm, d, diff, pw], dim=1)  # (N, 19, 64)
        g = c[:, self.idx, :]  # Gather with a fixed index tensor: (N, 7, 64)
        one = c[:, 4].unsqueeze(1)  # Gather with a scalar index, then Unsqueeze: (N, 1, 64)
        g = F.pad(torch.cat([g, one], dim=1), (1, 1), mode='constant', value=0.5)  # (N, 8, 66)
        t = torch.matmul(g.permute(0, 2, 1), self.w)  # (N, 66, 6)
        m = t.mean(dim=1, keepdim=True)
        mx = t.amax(dim=1).unsqueeze(1)
        z = (t - m) / (mx - m + 1.0)  # max >= mean, so the divisor is >= 1
        s = t.sum(dim=2, keepdim=True).squeeze(2)  # (N, 66)
        feat = torch.cat([z.reshape(z.size(0), -1), s], dim=1)
        return self.fc(feat)


class RnnSmall(nn.Module):
    length = 50

    def __init__(self, cell):
        super().__init__()
        self.rnn = cell(4, 8, batch_first=True)
        self.fc = nn.Linear(8, 2)

    def forward(self, x):
        out, _ = self.rnn(x.permute(0, 2, 1))
        return self.fc(out[:, -1, :])


class AttentionSmall(nn.Module):
    """Conv stem, then one head of self-attention written out with matmuls."""
    length = 40

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(4, 16, 5, padding=2)
        self.q = nn.Linear(16, 16)
        self.k = nn.Linear(16, 16)
        self.v = nn.Linear(16, 16)
        self.fc = nn.Linear(16, 3)

    def forward(self, x):
        h = F.relu(self.conv(x)).transpose(1, 2)  # (N, 40, 16)
        q, k, v = self.q(h), self.k(h), self.v(h)
        scores = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(16)
        att = torch.matmul(F.softmax(scores, dim=-1), v)
        return self.fc(att.mean(dim=1))


class TinyConv(nn.Module):
    """For the refusal fixtures that need real weights."""
    length = 20

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(4, 4, 5, padding=2)
        self.fc = nn.Linear(4, 1)

    def forward(self, x):
        return torch.sigmoid(self.fc(F.relu(self.conv(x)).amax(dim=2)))


class TwoInputs(nn.Module):
    length = 20

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(4, 4, 5, padding=2)
        self.fc = nn.Linear(4, 1)

    def forward(self, x, extra):
        return self.fc(F.relu(self.conv(x)).mean(dim=2)) + extra


# ---------------------------------------------------------------------------------------------
# Export and expected values


ALL_FILES = []  # (file, description) for the README, in order
ROUNDING = {}  # name -> per output, max |float32 - float64| of the PyTorch model


def export(model, x, name, opset, input_name, output_names, dynamic=True, fold=True, legacy=False, length_axes=None):
    path = os.path.join(OUT, name + '.onnx')
    axes = None
    if dynamic:
        axes = {input_name: {0: 'batch'}}
        for o in output_names:
            axes[o] = {0: 'batch'}
    if length_axes:
        # A fully convolutional model: the sequence length is symbolic too (input axis 2, and the
        # outputs' length axes), as `dynamic_axes` writes it for models that take any length.
        for tensor, axis in length_axes.items():
            axes[tensor][axis] = 'length'
    kw = dict(opset_version=opset, input_names=[input_name], output_names=output_names,
              dynamic_axes=axes, do_constant_folding=fold, export_params=True)
    if legacy:
        # Export the way older PyTorch releases did: without ONNX shape inference the static
        # x.size(0) stays a Shape -> Gather subgraph instead of becoming a constant, and with
        # TrainingMode.PRESERVE (the model is in eval mode) BatchNorm is not fused into the
        # preceding Conv, so the file keeps BatchNormalization nodes. torch.onnx.utils._export is
        # what torch.onnx.export calls; it is the only way to reach onnx_shape_inference in 1.13.
        torch.onnx.utils._export(model, (x,), path, training=torch.onnx.TrainingMode.PRESERVE,
                                 onnx_shape_inference=False, **kw)
    else:
        torch.onnx.export(model, (x,), path, **kw)
    onnx.checker.check_model(onnx.load(path), full_check=True)
    return path


def write_expected(model, name, opset, layout, input_name, output_names, seqs, model_file=None, batch=None):
    x = torch.from_numpy(to_layout(one_hot_ncl([s['sequence'] for s in seqs]), layout))
    with torch.no_grad():
        y = model(x)
        y64 = copy.deepcopy(model).double()(x.double())
    if isinstance(y, torch.Tensor):
        y, y64 = (y,), (y64,)
    # How far float32 rounding alone moves each output (float32 vs float64 PyTorch): a floor for
    # the tolerance any other float32 implementation can be held to.
    ROUNDING[name] = [float((a.double() - b).abs().max()) for a, b in zip(y, y64)]
    with open(os.path.join(OUT, name + '.fa'), 'w') as f:
        for s in seqs:
            f.write('>%s\n%s\n' % (s['id'], s['sequence']))
    doc = {
        'model': (model_file or name) + '.onnx',
        'opset': opset,
        'input': {'name': input_name, 'layout': layout, 'length': len(seqs[0]['sequence']), 'batch': batch},
        'sequences': seqs,
        'outputs': [
            {'name': n, 'shape': list(t.shape), 'values': [float(v) for v in t.detach().float().reshape(-1).numpy()]}
            for n, t in zip(output_names, y)
        ],
    }
    with open(os.path.join(OUT, name + '.expected.json'), 'w') as f:
        json.dump(doc, f, indent=1)
        f.write('\n')
    return x, y


def build(cls_or_model, name, opset, output_names, layout='NCL', seed=0, final=lambda m: [(m.fc, 1.3)], desc='', **kw):
    torch.manual_seed(seed)
    model = cls_or_model()
    length = model.length
    calibrate(model, random_one_hot(64, length, layout, seed + 1000), seed, final=final(model))
    seqs = make_sequences(length, seed + 2000)
    x, y = write_expected(model, name, opset, layout, 'sequence', output_names, seqs)
    export(model, x, name, opset, 'sequence', output_names, **kw)
    ALL_FILES.append((name, desc))
    return model, seqs, x, y


def sigmoid_spread(y):
    y = y.reshape(-1)
    return float(((y > 0.05) & (y < 0.95)).float().mean())


# ---------------------------------------------------------------------------------------------
# Refusal fixtures


def refusal_fixtures():
    # external data: a small conv model whose weights live in external_data.bin
    torch.manual_seed(50)
    tiny = TinyConv()
    calibrate(tiny, random_one_hot(64, tiny.length, 'NCL', 1050), 50, final=[(tiny.fc, 1.3)])
    seqs = make_sequences(tiny.length, 2050)
    x, _ = write_expected(tiny, 'external_data', 13, 'NCL', 'sequence', ['score'], seqs)
    tmp = os.path.join(OUT, '_tiny.onnx')
    torch.onnx.export(tiny, (x,), tmp, opset_version=13, input_names=['sequence'], output_names=['score'],
                      dynamic_axes={'sequence': {0: 'batch'}, 'score': {0: 'batch'}})
    m = onnx.load(tmp)
    os.remove(tmp)
    onnx.save_model(m, os.path.join(OUT, 'external_data.onnx'), save_as_external_data=True,
                    all_tensors_to_one_file=True, location='external_data.bin', size_threshold=0)
    onnx.checker.check_model(os.path.join(OUT, 'external_data.onnx'))
    ALL_FILES.append(('external_data', 'TinyConv (conv k5, ReLU, max over length, Linear, Sigmoid) with every initializer in `external_data.bin`'))

    missing = onnx.load(os.path.join(OUT, 'external_data.onnx'), load_external_data=False)
    for t in missing.graph.initializer:
        for entry in t.external_data:
            if entry.key == 'location':
                entry.value = 'missing_weights.bin'
    with open(os.path.join(OUT, 'external_data_missing.onnx'), 'wb') as f:
        f.write(missing.SerializeToString())

    # custom domain
    x_info = helper.make_tensor_value_info('sequence', TensorProto.FLOAT, ['batch', 4, 20])
    y_info = helper.make_tensor_value_info('score', TensorProto.FLOAT, ['batch', 4, 20])
    g = helper.make_graph([
        helper.make_node('Relu', ['sequence'], ['r'], name='relu'),
        helper.make_node('MyOp', ['r'], ['score'], name='my_custom_op', domain='com.example'),
    ], 'custom_domain', [x_info], [y_info])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid('', 13), helper.make_opsetid('com.example', 1)],
                          producer_name='make-onnx-fixtures')
    onnx.checker.check_model(m)
    onnx.save_model(m, os.path.join(OUT, 'custom_domain.onnx'))

    # control flow: If on a data-dependent condition, plus a Loop
    x_info = helper.make_tensor_value_info('sequence', TensorProto.FLOAT, [1, 4, 20])
    y_info = helper.make_tensor_value_info('score', TensorProto.FLOAT, [1, 4, 20])
    then_g = helper.make_graph([helper.make_node('Relu', ['sequence'], ['then_out'], name='then_relu')], 'then_branch',
                               [], [helper.make_tensor_value_info('then_out', TensorProto.FLOAT, [1, 4, 20])])
    else_g = helper.make_graph([helper.make_node('Sigmoid', ['sequence'], ['else_out'], name='else_sigmoid')], 'else_branch',
                               [], [helper.make_tensor_value_info('else_out', TensorProto.FLOAT, [1, 4, 20])])
    body = helper.make_graph(
        [helper.make_node('Identity', ['cond_in'], ['cond_out'], name='body_cond'),
         helper.make_node('Add', ['acc_in', 'acc_in'], ['acc_out'], name='body_double')],
        'loop_body',
        [helper.make_tensor_value_info('iter', TensorProto.INT64, []),
         helper.make_tensor_value_info('cond_in', TensorProto.BOOL, []),
         helper.make_tensor_value_info('acc_in', TensorProto.FLOAT, [1, 4, 20])],
        [helper.make_tensor_value_info('cond_out', TensorProto.BOOL, []),
         helper.make_tensor_value_info('acc_out', TensorProto.FLOAT, [1, 4, 20])])
    g = helper.make_graph([
        helper.make_node('ReduceSum', ['sequence'], ['total'], keepdims=0, name='total'),
        helper.make_node('Greater', ['total', 'ten'], ['cond'], name='more_than_ten'),
        helper.make_node('If', ['cond'], ['branched'], then_branch=then_g, else_branch=else_g, name='branch'),
        helper.make_node('Loop', ['trip', 'true', 'branched'], ['score'], body=body, name='repeat'),
    ], 'control_flow', [x_info], [y_info], initializer=[
        numpy_helper.from_array(np.array(10.0, dtype=np.float32), 'ten'),
        numpy_helper.from_array(np.array(2, dtype=np.int64), 'trip'),
        numpy_helper.from_array(np.array(True), 'true'),
    ])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid('', 13)], producer_name='make-onnx-fixtures')
    onnx.checker.check_model(m, full_check=True)
    onnx.save_model(m, os.path.join(OUT, 'control_flow.onnx'))

    # two graph inputs
    torch.manual_seed(51)
    two = TwoInputs().eval()
    torch.onnx.export(two, (torch.zeros(1, 4, 20), torch.zeros(1, 1)), os.path.join(OUT, 'two_inputs.onnx'),
                      opset_version=13, input_names=['sequence', 'extra'], output_names=['score'],
                      dynamic_axes={'sequence': {0: 'batch'}, 'extra': {0: 'batch'}, 'score': {0: 'batch'}})
    onnx.checker.check_model(os.path.join(OUT, 'two_inputs.onnx'))

    # an op on the data path that the loader does not support: NonZero (data-dependent output shape)
    w = np.random.RandomState(52).randn(2, 4, 5).astype(np.float32)
    x_info = helper.make_tensor_value_info('sequence', TensorProto.FLOAT, [1, 4, 20])
    y_info = helper.make_tensor_value_info('peak_summary', TensorProto.FLOAT, [3])
    g = helper.make_graph([
        helper.make_node('Conv', ['sequence', 'conv_w'], ['c'], pads=[2, 2], name='conv'),
        helper.make_node('Greater', ['c', 'zero'], ['mask'], name='positive'),
        helper.make_node('NonZero', ['mask'], ['where'], name='find_peaks'),
        helper.make_node('Cast', ['where'], ['wf'], to=TensorProto.FLOAT, name='to_float'),
        helper.make_node('ReduceSum', ['wf', 'axis1'], ['peak_summary'], keepdims=0, name='sum_positions'),
    ], 'unsupported_op', [x_info], [y_info], initializer=[
        numpy_helper.from_array(w, 'conv_w'),
        numpy_helper.from_array(np.array(0.0, dtype=np.float32), 'zero'),
        numpy_helper.from_array(np.array([1], dtype=np.int64), 'axis1'),
    ])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid('', 13)], producer_name='make-onnx-fixtures')
    onnx.checker.check_model(m, full_check=True)
    onnx.save_model(m, os.path.join(OUT, 'unsupported_op.onnx'))

    # truncated and not-ONNX files
    with open(os.path.join(OUT, 'basset_like.onnx'), 'rb') as f:
        data = f.read()
    with open(os.path.join(OUT, 'truncated.onnx'), 'wb') as f:
        f.write(data[:len(data) // 2])
    with open(os.path.join(OUT, 'not_onnx.onnx'), 'w') as f:
        f.write('This is a text file with an .onnx extension, not an ONNX model.\n')


REFUSALS = [
    ('external_data.onnx', 'Weights stored outside the model (every initializer has `data_location: EXTERNAL`, location `external_data.bin`, beside it). ONNX Runtime runs it (its `.fa`/`.expected.json` hold the values). The loader either reads `external_data.bin` relative to the model file and reproduces the expected values, or refuses with `external_data.onnx: weights are stored in an external file (external_data.bin), which is not supported`.'),
    ('external_data_missing.onnx', 'Same graph, but every initializer points at `missing_weights.bin`, which does not exist (ONNX Runtime fails with `cannot get file size`). Must say `external_data_missing.onnx: ... missing_weights.bin ... not found` (name the missing file), never a stack trace.'),
    ('custom_domain.onnx', 'A node `my_custom_op` of op `MyOp` in domain `com.example` (opset import `com.example` v1). Must refuse naming the op and its domain: `custom_domain.onnx: node my_custom_op uses op MyOp from domain com.example, which is not a standard ONNX op`.'),
    ('control_flow.onnx', 'An `If` node (`branch`, condition computed from the input) followed by a `Loop` node (`repeat`). Must refuse: `control_flow.onnx: node branch is an If (control flow), which is not supported`.'),
    ('two_inputs.onnx', 'Exported from PyTorch with two graph inputs, `sequence` (batch, 4, 20) and `extra` (batch, 1). Must refuse: `two_inputs.onnx: the model has 2 inputs (sequence, extra); only models with one sequence input are supported`.'),
    ('unsupported_op.onnx', 'Conv → Greater → `NonZero` (node name `find_peaks`, data-dependent output shape) → Cast → ReduceSum. Must refuse naming the node and op: `unsupported_op.onnx: node find_peaks uses op NonZero, which is not supported`.'),
    ('truncated.onnx', 'The first half of the bytes of `basset_like.onnx`. The protobuf decoder fails part-way (onnx-proto/protobufjs: `index out of range`; ONNX Runtime: `Protobuf parsing failed`); must say `truncated.onnx: not a valid ONNX file (truncated or corrupt)`, no stack trace.'),
    ('not_onnx.onnx', 'A one-line text file (onnx-proto throws `invalid wire type 4 at offset 1`). Must say `not_onnx.onnx: not a valid ONNX file`.'),
]


# ---------------------------------------------------------------------------------------------
# README


def op_types(path):
    m = onnx.load(path, load_external_data=False)
    ops = set()

    def walk(graph):
        for n in graph.node:
            ops.add(n.op_type if not n.domain or n.domain == 'ai.onnx' else '%s:%s' % (n.domain, n.op_type))
            for a in n.attribute:
                if a.type == onnx.AttributeProto.GRAPH:
                    walk(a.g)

    walk(m.graph)
    return sorted(ops)


def io_text(path):
    m = onnx.load(path, load_external_data=False)
    inits = {t.name for t in m.graph.initializer}

    def shape(v):
        dims = v.type.tensor_type.shape.dim
        return '(' + ', '.join(d.dim_param if d.dim_param else str(d.dim_value) for d in dims) + ')'

    ins = ['`%s` %s' % (v.name, shape(v)) for v in m.graph.input if v.name not in inits]
    outs = ['`%s` %s' % (v.name, shape(v)) for v in m.graph.output]
    opset = [o.version for o in m.opset_import if o.domain in ('', 'ai.onnx')]
    return ', '.join(ins), ', '.join(outs), opset[0] if opset else '?'


def write_readme():
    lines = [
        '# ONNX test fixtures',
        '',
        'Generated by `scripts/make-onnx-fixtures.py` (do not edit by hand; edit the script and rerun):',
        '',
        '```',
        '/usr/bin/python3 scripts/make-onnx-fixtures.py',
        'node scripts/check-onnx-fixtures.mjs     # ONNX Runtime (onnxruntime-node) as a second oracle',
        '```',
        '',
        'Made with torch %s and onnx %s (PyTorch\'s own `torch.onnx.export`, eval mode, fixed seeds). '
        'Weights are random but rescaled on a calibration batch so no layer is dead or saturated; every BatchNorm has '
        'running_var in [0.5, 2], running_mean near the real channel mean but off by up to 0.3 SD, weight in [0.6, 1.5] '
        'and bias in [-0.3, 0.3], so BatchNorm is never the identity.' % (torch.__version__, onnx.__version__),
        '',
        '## Models that run',
        '',
        'Each has `<name>.fa` (5 sequences of exactly the model\'s length: `seq0_random`; `seq1_lowercase`, all lower case; '
        '`seq2_run_of_N`, with a run of N; two more random) and `<name>.expected.json`:',
        '',
        '```',
        '{ "model": "<name>.onnx", "opset": N,',
        '  "input": {"name": "sequence", "layout": "NCL" | "NLC" | "NC1L", "length": L, "batch": null | 1},',
        '  "sequences": [{"id": ..., "sequence": ...}, ...],',
        '  "outputs": [{"name": ..., "shape": [5, ...], "values": [row-major float32 values of model(x)]}, ...] }',
        '```',
        '',
        'One-hot: A, C, G, T → channels 0..3 (case-insensitive); N and any other letter → all zeros. Layout NCL is (N, 4, L), '
        'NLC is (N, L, 4), NC1L is (N, 4, 1, L). `values` are what the PyTorch module returns, after its final activation, '
        'computed in float32 from the same one-hot tensor that was used for the export. `"batch": null` means the batch axis '
        'is dynamic (run all 5 at once); `"batch": 1` means the graph fixes it at 1 (run the sequences one at a time; '
        '`shape` is still the stacked [5, ...]).',
        '',
        'The column "f32 rounding" is max |float32 − float64| of the same PyTorch model on these sequences, per output: '
        'the error that float32 arithmetic alone makes, so a float32 loader cannot be expected to do much better. '
        '`scripts/check-onnx-fixtures.mjs` holds ONNX Runtime to 1e-5.',
        '',
        '| file | architecture | opset | inputs | outputs | size | f32 rounding | ONNX op types |',
        '|---|---|---|---|---|---|---|---|',
    ]
    for name, desc in ALL_FILES:
        path = os.path.join(OUT, name + '.onnx')
        ins, outs, opset = io_text(path)
        size = os.path.getsize(path)
        if name == 'external_data':
            size += os.path.getsize(os.path.join(OUT, 'external_data.bin'))
        lines.append('| `%s.onnx` | %s | %s | %s | %s | %s | %s | %s |' % (
            name, desc, opset, ins, outs, human(size), ', '.join('%.1e' % r for r in ROUNDING[name]),
            ', '.join(op_types(path))))
    lines += [
        '',
        'Things in these files a loader has to cope with (all produced by the exporter, not added by hand):',
        '',
        '- `basset_like_op11_static.onnx`: exported with `do_constant_folding=False`, no dynamic axes, `training=PRESERVE` '
        'and ONNX shape inference off (`torch.onnx.utils._export(..., onnx_shape_inference=False)`, the way PyTorch '
        'exported before shape inference folded static shapes). So `x.view(x.size(0), -1)` is the subgraph '
        'Shape → Gather → Unsqueeze → Concat → Reshape, and the three BatchNormalization nodes are kept (in '
        '`basset_like.onnx`, PyTorch fused them into the Conv weights). Same weights, sequences and values as `basset_like`.',
        '- No file has Dropout nodes: PyTorch drops them when exporting in eval mode. `deepstarr_like` keeps '
        'BatchNormalization after its Linear layers (only Conv→BatchNorm is fused).',
        '- `bpnet_like`: the crop `[:, :, 100:-100]` is a Slice with a negative end; Conv `pads` hold the dilation padding.',
        '- `ops_zoo_a`/`ops_zoo_b` (opset 17): `F.pad` is exported as a constant-only subgraph (ConstantOfShape → Concat → '
        'Reshape → Slice → Transpose → Reshape → Cast) that computes the Pad `pads` input and is NOT folded even with '
        'constant folding on, so the loader must evaluate constant subgraphs. `torch.chunk` becomes Shape → Gather → '
        'Add → Div → Mul → Slice (the chunk size computed from the runtime shape), `torch.split` with sizes becomes Split; '
        '`nn.AvgPool1d` is exported as Pad + AveragePool; the 1-D LayerNorm is LayerNormalization (opset 17); exact GELU is the '
        'Erf form and tanh GELU the Tanh form (opset 17 has no Gelu op); Hardtanh is Clip with min/max inputs; '
        'ReduceSum takes `axes` as an input (opset 13+), ReduceMean/ReduceMax as an attribute.',
        '- `ops_zoo_a` and `ops_zoo_b` are split so that a failure points at one group of ops.',
        '- `rnn_small`/`gru_small` use the ONNX `LSTM`/`GRU` ops (PyTorch gate order, initial state from ConstantOfShape '
        'of the runtime batch). The loader may support or refuse them, but must not mis-compute them silently.',
        '',
        '## Refusal fixtures',
        '',
        'The message wording below is a suggestion; what matters is one line `<file>: <cause>` that names the file and the cause '
        '(a UserError), with no stack trace and no hang.',
        '',
        '| file | size | op types (including If/Loop subgraphs) | what it tests / what the loader must say |',
        '|---|---|---|---|',
    ]
    for fname, text in REFUSALS:
        path = os.path.join(OUT, fname)
        try:
            ops = ', '.join(op_types(path))
        except Exception:
            ops = '(not parseable)'
        lines.append('| `%s` | %s | %s | %s |' % (fname, human(os.path.getsize(path)), ops, text))
    lines += ['', '`external_data.bin` (%s) is the weight file of `external_data.onnx`.' % human(
        os.path.getsize(os.path.join(OUT, 'external_data.bin'))), '']
    with open(os.path.join(OUT, 'README.md'), 'w') as f:
        f.write('\n'.join(lines))


def human(n):
    return '%d B' % n if n < 1024 else '%.1f KB' % (n / 1024)


# ---------------------------------------------------------------------------------------------


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)

    basset, seqs, x, y = build(BassetLike, 'basset_like', 17, ['scores'], seed=1, final=lambda m: [(m.fc3, 1.3)],
                               desc='Basset-like, 600 bp: 3 × (Conv1d k19/11/7 + BatchNorm + ReLU + MaxPool 3/4/4), view(N, -1), Linear 64, ReLU, Dropout, Linear 64, ReLU, Dropout, Linear 164, Sigmoid; constant folding, dynamic batch')
    print('basset_like: fraction of sigmoid outputs in (0.05, 0.95): %.3f' % sigmoid_spread(y[0]))
    write_expected(basset, 'basset_like_op11_static', 11, 'NCL', 'sequence', ['scores'], seqs, batch=1)
    export(basset, x[:1], 'basset_like_op11_static', 11, 'sequence', ['scores'], dynamic=False, fold=False, legacy=True)
    ALL_FILES.append(('basset_like_op11_static', 'the same Basset-like model and weights; batch fixed at 1, no constant folding, exported the legacy way (no ONNX shape inference, BatchNorm not fused)'))

    build(DeepStarrLike, 'deepstarr_like', 14, ['Dev', 'Hk'], seed=2, final=lambda m: [(m.dev, 1.0), (m.hk, 1.0)],
          desc='DeepSTARR-like, 249 bp: 4 × (Conv1d k7/3/5/3 same padding + BatchNorm + ReLU + MaxPool 2), flatten, 2 × (Linear 32 + BatchNorm1d + ReLU + Dropout), two linear regression heads')
    build(BPNetLike, 'bpnet_like', 13, ['profile', 'counts'], seed=3, final=lambda m: [(m.profile, 1.0), (m.counts, 0.3)],
          desc='BPNet-like, 1000 bp: Conv1d k21 + ReLU, 6 residual dilated convs (k3, dilation 2..64, x + relu(conv(x))), profile head Conv1d k75 cropped [100:-100], counts head mean over length + Linear')
    # The same BPNet-like weights with a symbolic length, checked at 600 bp (loaded with --length 600).
    torch.manual_seed(3)
    bpnet = BPNetLike()
    calibrate(bpnet, random_one_hot(64, bpnet.length, 'NCL', 1003), 3, final=[(bpnet.profile, 1.0), (bpnet.counts, 0.3)])
    seqs600 = make_sequences(600, 2003)
    x600, _ = write_expected(bpnet, 'bpnet_dynamic_length', 13, 'NCL', 'sequence', ['profile', 'counts'], seqs600)
    export(bpnet, x600, 'bpnet_dynamic_length', 13, 'sequence', ['profile', 'counts'], length_axes={'sequence': 2, 'profile': 2})
    ALL_FILES.append(('bpnet_dynamic_length', 'the BPNet-like model with a symbolic sequence length (dynamic_axes on the input length and the profile length); expected values at 600 bp'))
    _, _, _, y = build(NlcInput, 'nlc_input', 12, ['probs'], layout='NLC', seed=4,
                       desc='channels-last input (N, 100, 4), permute(0, 2, 1) inside; Conv1d k5 + ReLU + MaxPool 2, flatten, Linear 3, Softmax(dim=1)')
    _, _, _, y = build(Conv2dInput, 'conv2d_input', 13, ['scores'], layout='NC1L', seed=5,
                       desc='(N, 4, 1, 120) input: Conv2d (1, 9) + BatchNorm2d + ReLU + MaxPool2d (1, 4), depthwise Conv2d (1, 5) groups=8, flatten, Linear 2, Sigmoid')
    print('conv2d_input: fraction of sigmoid outputs in (0.05, 0.95): %.3f' % sigmoid_spread(y[0]))
    build(OpsZooA, 'ops_zoo_a', 17, ['scores'], seed=6,
          desc='64 bp: asymmetric F.pad, Conv1d stride 2 dilation 2, ELU, ConvTranspose1d stride 2, SELU, AvgPool1d, LeakyReLU 0.1, MaxPool1d ceil_mode, Softplus, LayerNorm over channels (transposed), chunk, GELU (erf) and GELU (tanh), Tanh, Sigmoid, Hardtanh, cat, AdaptiveAvg/MaxPool1d(1), squeeze, Linear 5')
    build(OpsZooB, 'ops_zoo_b', 17, ['scores'], seed=7,
          desc='64 bp: Conv1d, split [3, 5], softmax and log_softmax over channels, where(x > 0), exp, log, sqrt, pow 3, mul, div, sub, cat, index with a fixed index tensor and a scalar index, unsqueeze, F.pad constant 0.5, permute, matmul with a weight, mean/amax/sum over an axis, squeeze, reshape(N, -1), Linear 5')
    build(lambda: RnnSmall(nn.LSTM), 'rnn_small', 14, ['scores'], seed=8,
          desc='(N, 4, 50), permute, nn.LSTM(4, 8, batch_first=True), last step, Linear 2')
    build(lambda: RnnSmall(nn.GRU), 'gru_small', 14, ['scores'], seed=9,
          desc='(N, 4, 50), permute, nn.GRU(4, 8, batch_first=True), last step, Linear 2')
    build(AttentionSmall, 'attention_small', 17, ['scores'], seed=10,
          desc='(N, 4, 40): Conv1d k5 to 16 channels + ReLU, transpose, single-head self-attention (q, k, v Linear; q @ kᵀ / 4; softmax; @ v), mean over length, Linear 3')

    refusal_fixtures()
    write_readme()

    for f in sorted(os.listdir(OUT)):
        p = os.path.join(OUT, f)
        print('%-34s %9d  %s' % (f, os.path.getsize(p), hashlib.sha256(open(p, 'rb').read()).hexdigest()[:16]))
        assert os.path.getsize(p) < 1024 * 1024, f

    check = os.path.join(ROOT, 'scripts', 'check-onnx-fixtures.mjs')
    if shutil.which('node') and os.path.isdir(os.path.join(ROOT, 'node_modules', 'onnxruntime-node')):
        rc = subprocess.call(['node', check], cwd=ROOT)
        if rc != 0:
            sys.exit('check-onnx-fixtures.mjs failed')
    else:
        print('node or onnxruntime-node not found: skipped the ONNX Runtime check')


if __name__ == '__main__':
    main()

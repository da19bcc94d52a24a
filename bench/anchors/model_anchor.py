"""Anchors: mmfuse's model written directly in PyTorch (Debian's python3-torch 1.13), layer for
layer as io.mmfuse.model builds it, so that both sides run the same shapes:

- image tower: 4 x (conv3x3 no bias, BatchNorm, ReLU), widths 32/64/128/256, the first conv
  stride 2, max-pool 2x2 after the others, channels-last; global average pool, dropout 0.1,
  Linear(256, 256);
- text tower: EmbeddingBag(10000, 256, mean, padding_idx 0), Linear(256, 512), ReLU, dropout 0.1,
  Linear(512, 256);
- decoders (founding design only): Linear(256, 256*4*4) + 4 transposed convs back to 3x64x64;
  Linear(256, 512), ReLU, Linear(512, 10000);
- losses: 'contrastive' = symmetric InfoNCE with a learned, clamped logit scale (the default);
  'seed' = the founding design's -mean(sum(t*i)) on unit embeddings + image MSE + bag-of-words MSE;
- AdamW lr 1e-3, weight decay 0.01 on tensors of rank >= 2 only.

Modes: 'train' = one optimizer step on a batch (numpy -> tensors, forward, loss, backward, step,
loss.item()); 'forward' = unit-norm embeddings of a batch of images or captions in eval mode
without autograd (numpy in, numpy out), as mmfuse's Embedder.
"""
import argparse
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from common import emit, measure, require_thread_env

VOCAB = 10_000
SIDE = 64
DIM = 256


class ImageEncoder(nn.Module):
    def __init__(self, width=32):
        super().__init__()
        chans = [width, 2 * width, 4 * width, 8 * width]
        self.convs = nn.ModuleList()
        self.norms = nn.ModuleList()
        c_in = 3
        for i, c in enumerate(chans):
            self.convs.append(nn.Conv2d(c_in, c, 3, stride=2 if i == 0 else 1, padding=1, bias=False))
            self.norms.append(nn.BatchNorm2d(c))
            c_in = c
        self.drop = nn.Dropout(0.1)
        self.proj = nn.Linear(c_in, DIM)

    def forward(self, x):
        x = x.contiguous(memory_format=torch.channels_last)
        for i, (conv, norm) in enumerate(zip(self.convs, self.norms)):
            x = F.relu(norm(conv(x)))
            if i > 0:
                x = F.max_pool2d(x, 2, 2)
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.proj(self.drop(x))


class TextEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.bag = nn.EmbeddingBag(VOCAB, 256, mode="mean", padding_idx=0)
        self.fc1 = nn.Linear(256, 512)
        self.drop = nn.Dropout(0.1)
        self.proj = nn.Linear(512, DIM)

    def forward(self, tokens):
        return self.proj(self.drop(F.relu(self.fc1(self.bag(tokens)))))


class ImageDecoder(nn.Module):
    def __init__(self, width=32):
        super().__init__()
        self.side, self.chans = SIDE // 16, 8 * width
        self.expand = nn.Linear(DIM, self.chans * self.side * self.side)
        outs = [4 * width, 2 * width, width, 3]
        c_in = self.chans
        self.deconvs = nn.ModuleList()
        for c in outs:
            self.deconvs.append(nn.ConvTranspose2d(c_in, c, 4, stride=2, padding=1))
            c_in = c

    def forward(self, z):
        x = F.relu(self.expand(z)).view(z.shape[0], self.chans, self.side, self.side)
        for i, d in enumerate(self.deconvs):
            x = d(x)
            if i < 3:
                x = F.relu(x)
        return x


class TextDecoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(DIM, 512)
        self.out = nn.Linear(512, VOCAB)

    def forward(self, z):
        return self.out(F.relu(self.fc1(z)))


class Model(nn.Module):
    def __init__(self, reconstruct):
        super().__init__()
        self.image_encoder = ImageEncoder()
        self.text_encoder = TextEncoder()
        self.reconstruct = reconstruct
        if reconstruct:
            self.image_decoder = ImageDecoder()
            self.text_decoder = TextDecoder()
        self.log_logit_scale = nn.Parameter(torch.tensor([math.log(1 / 0.07)]))

    def logit_scale(self):
        return self.log_logit_scale.clamp(max=math.log(100.0)).exp()


def tokens(rows):
    """Same formula as BenchModels.tokens, padded with 0 to the longest row like Tensors.padTokens."""
    lengths = [8 + (7 * r) % 13 for r in range(rows)]
    out = np.zeros((rows, max(lengths)), np.int64)
    for r, n in enumerate(lengths):
        out[r, :n] = [(131 * r + 17 * j) % (VOCAB - 1) + 1 for j in range(n)]
    return out


def train_step(model, opt, images_np, tokens_np, objective):
    x = torch.from_numpy(images_np)
    t = torch.from_numpy(tokens_np)
    zi, zt = model.image_encoder(x), model.text_encoder(t)
    ei, et = F.normalize(zi, dim=1), F.normalize(zt, dim=1)
    if objective == "contrastive":
        logits = ei @ et.t() * model.logit_scale()
        target = torch.arange(x.shape[0])
        loss = 0.5 * (F.cross_entropy(logits, target) + F.cross_entropy(logits.t(), target))
    else:
        align = -(et * ei).sum(1).mean()
        recon_i = model.image_decoder(zi)
        recon_t = model.text_decoder(zt)
        bow = torch.zeros(t.shape[0], VOCAB).scatter_(1, t, 1.0)
        loss = align + 1.0 * (F.mse_loss(recon_i, x) + F.mse_loss(recon_t[:, 1:], bow[:, 1:]))
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss.item()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--mode", choices=["train", "forward"], required=True)
    p.add_argument("--objective", nargs="+", default=["contrastive", "seed"])
    p.add_argument("--batch", type=int, nargs="+", default=[128])
    p.add_argument("--threads", type=int, required=True)
    p.add_argument("--out", required=True)
    a = p.parse_args()
    require_thread_env(a.threads)
    torch.set_num_threads(a.threads)
    rng = np.random.default_rng(42)

    if a.mode == "train":
        for objective in a.objective:
            for batch in a.batch:
                torch.manual_seed(42)
                model = Model(reconstruct=objective == "seed")
                model.train()
                decay = [q for q in model.parameters() if q.dim() >= 2]
                no_decay = [q for q in model.parameters() if q.dim() < 2]
                opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01},
                                         {"params": no_decay, "weight_decay": 0.0}], lr=1e-3)
                images = rng.standard_normal((batch, 3, SIDE, SIDE), dtype=np.float32)
                toks = tokens(batch)
                first = train_step(model, opt, images, toks, objective)
                ms = measure(lambda: train_step(model, opt, images, toks, objective))
                last = train_step(model, opt, images, toks, objective)
                if not (math.isfinite(last) and last < first):
                    raise SystemExit(f"loss did not go down: {first} -> {last}")
                emit(a.out, bench="train-step", impl="pytorch", objective=objective, batch=batch,
                     threads=a.threads, ms=ms, items_per_op=batch)
    else:
        torch.manual_seed(42)
        model = Model(reconstruct=False).eval()
        for batch in a.batch:
            images = rng.standard_normal((batch, 3, SIDE, SIDE), dtype=np.float32)
            toks = tokens(batch)

            def image():
                with torch.inference_mode():
                    return F.normalize(model.image_encoder(torch.from_numpy(images)), dim=1).numpy()

            def text():
                with torch.inference_mode():
                    return F.normalize(model.text_encoder(torch.from_numpy(toks)), dim=1).numpy()

            for tower, fn in (("image", image), ("text", text)):
                out = fn()
                assert out.shape == (batch, DIM) and np.allclose((out * out).sum(1), 1, atol=1e-3)
                ms = measure(fn)
                emit(a.out, bench="forward-" + tower, impl="pytorch", batch=batch, threads=a.threads,
                     ms=ms, items_per_op=batch)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""A PyTorch twin of the 64 px GAN trainer, for trying training recipes quickly.

What it is for: the ablation in docs/gan-recipe.md ("A PyTorch twin") was run
with it: 21 settings of the discriminator (the paper's with batch norm, none,
spectral norm; minibatch standard deviation; PacGAN packing; R1), of the
optimiser (β1, TTUR), of what D sees (mask range, straight-through hard masks,
DiffAugment) and of the architecture (the paper's ResGAN generator and 7-layer
5×5 discriminator, or a DCGAN-style pair with 4×4 kernels). A setting that
works here is then built into gan_trainer; the twin is also the parity
reference for a recipe the library adopts.

Run with Debian's python3-torch, on the dataset cache a GAN program writes
with --cache (the same preprocessed 64 px pairs the library trains on):

  /usr/bin/python3 benchmarks/gan_twin/gan_twin.py --cache-file CACHE/dataset-*.bin \
      --exclude-ids RUN_UNET/per_image_iou.csv --out runs/twin --minutes 10 \
      --g dcgan --d nobn --init normal --nf 16 --hard 1 --da 1

--exclude-ids takes the per_image_iou.csv of a unet run (its test images), so
the twin never trains on the images the library's U-Nets are tested on.
Every 500 steps it prints the generated masks' foreground share, empty share,
mean pairwise IoU of 128 masks (diversity: real masks 0.05) and the
inside/outside luminance contrast, and writes a grid of 32 pairs; at the end,
the same for the generator and its EMA, in training and evaluation mode.
One thread; CPU only.
"""
import argparse, os, sys, time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gan_twin_cache import load_cache

p = argparse.ArgumentParser(description=__doc__.split('\n')[1])
p.add_argument('--cache-file', required=True, help='a dataset-*.bin of a GAN program run with --cache')
p.add_argument('--exclude-ids', help='per_image_iou.csv of a unet run: never train on its test images')
p.add_argument('--g', default='resgan'); p.add_argument('--d', default='paper')   # paper|nobn|sn
p.add_argument('--dwidth', type=int, default=4)  # width divisor of D
p.add_argument('--gwidth', type=int, default=4)
p.add_argument('--da', type=int, default=1); p.add_argument('--mask', default='signed')
p.add_argument('--beta1', type=float, default=0.5); p.add_argument('--lrg', type=float, default=2e-4); p.add_argument('--lrd', type=float, default=2e-4)
p.add_argument('--lam', type=float, default=1.5); p.add_argument('--warm', type=int, default=500)
p.add_argument('--ema', type=float, default=0.999); p.add_argument('--minutes', type=float, default=8)
p.add_argument('--seed', type=int, default=1); p.add_argument('--out', required=True); p.add_argument('--batch', type=int, default=64)
p.add_argument('--noise', type=float, default=0.0); p.add_argument('--mhead', default='sigmoid')
p.add_argument('--r1', type=float, default=0.0); p.add_argument('--beta2', type=float, default=0.999); p.add_argument('--mbstd', type=int, default=0); p.add_argument('--pack', type=int, default=1); p.add_argument('--hard', type=int, default=0); p.add_argument('--dtype', default=''); p.add_argument('--nf', type=int, default=32); p.add_argument('--init', default='xavier')
a = p.parse_args()
torch.manual_seed(a.seed); np.random.seed(a.seed); torch.set_num_threads(1)
os.makedirs(a.out, exist_ok=True)
imgs, masks, ids = load_cache(a.cache_file)
excluded = set()
if a.exclude_ids:
    excluded = {line.split(',')[0] for line in open(a.exclude_ids).read().splitlines()[1:] if line}
train = np.array([i for i, name in enumerate(ids) if name not in excluded])
print(f'training on {len(train)} of {len(ids)} pairs ({len(ids) - len(train)} held out)', flush=True)
X = torch.tensor(imgs[train]); M = torch.tensor(masks[train])
def up(i, o, k=4, s=2, pd=1): return [nn.ConvTranspose2d(i, o, k, s, pd), nn.BatchNorm2d(o), nn.ReLU()]
class Res(nn.Module):
    def __init__(s, c): super().__init__(); s.b = nn.Sequential(nn.Conv2d(c,c,3,1,1), nn.BatchNorm2d(c), nn.ReLU(), nn.Conv2d(c,c,3,1,1), nn.BatchNorm2d(c))
    def forward(s, x): return F.relu(x + s.b(x))
class G(nn.Module):
    def __init__(s, w, res):
        super().__init__(); T = 512 // w
        s.fc = nn.Linear(100, 16*T); s.bn0 = nn.BatchNorm2d(T)
        s.trunk = nn.Sequential(*up(T, T//2, 3, 1, 1), *up(T//2, T//4, 3, 1, 1), *up(T//4, T//8))
        c0, c1, c2 = 64//w, 64//w, 32//w
        def head(o):
            L = up(c0, c1) + ([Res(c1)] if res else []) + up(c1, c2) + ([Res(c2)] if res else []) + [nn.ConvTranspose2d(c2, o, 4, 2, 1)]
            return nn.Sequential(*L)
        s.hi, s.hm = head(3), head(1); s.T = T
    def forward(s, z):
        h = F.relu(s.bn0(s.fc(z).view(-1, s.T, 4, 4))); h = s.trunk(h)
        img = torch.tanh(s.hi(h)); ml = s.hm(h)
        return img, ml
def dlayer(i, o, st, norm):
    c = nn.Conv2d(i, o, 5, st, 2)
    if norm == 'sn': return [nn.utils.spectral_norm(c), nn.LeakyReLU(0.2)]
    if norm == 'bn': return [c, nn.BatchNorm2d(o), nn.LeakyReLU(0.2)]
    return [c, nn.LeakyReLU(0.2)]
class D(nn.Module):
    def __init__(s, w, kind):
        super().__init__(); ch = [64,128,128,256,256,512,512]; ch = [c//w for c in ch]
        norm = {'paper':'bn', 'nobn':'none', 'sn':'sn'}[kind]
        L = dlayer(4 * a.pack, ch[0], 2, 'sn' if norm == 'sn' else 'none'); prev = ch[0]
        L2 = []
        for k in range(1, 7):
            if k == 4 and a.mbstd: s.f1 = nn.Sequential(*L); L = []; prev += 1
            L += dlayer(prev, ch[k], 2 if k < 4 else 1, norm); prev = ch[k]
        s.f = nn.Sequential(*L); s.fc = nn.Linear(prev, 1)
        if norm == 'sn': s.fc = nn.utils.spectral_norm(s.fc)
    def forward(s, x):
        if a.mbstd:
            h = s.f1(x); n, c, H, W = h.shape; G = min(4, n)
            y = h.view(G, -1, c, H, W); y = y - y.mean(0); sd = (y.pow(2).mean(0) + 1e-8).sqrt().mean((1,2,3))
            sd = sd.repeat(G).view(n, 1, 1, 1).expand(n, 1, H, W)
            x = torch.cat([h, sd], 1)
        return s.fc(s.f(x).mean((2,3))).squeeze(1)
class DCG(nn.Module):
    def __init__(s, nf):
        super().__init__()
        s.f = nn.Sequential(nn.ConvTranspose2d(100, nf*8, 4, 1, 0), nn.BatchNorm2d(nf*8), nn.ReLU(), *up(nf*8, nf*4), *up(nf*4, nf*2), *up(nf*2, nf))
        s.hi = nn.ConvTranspose2d(nf, 3, 4, 2, 1); s.hm = nn.ConvTranspose2d(nf, 1, 4, 2, 1)
    def forward(s, z):
        h = s.f(z.view(-1, 100, 1, 1)); return torch.tanh(s.hi(h)), s.hm(h)
class DCD(nn.Module):
    def __init__(s, nf, norm):
        super().__init__()
        def c(i, o, n=True):
            conv = nn.Conv2d(i, o, 4, 2, 1)
            if norm == 'sn': return [nn.utils.spectral_norm(conv), nn.LeakyReLU(0.2)]
            return [conv] + ([nn.BatchNorm2d(o)] if (n and norm == 'paper') else []) + [nn.LeakyReLU(0.2)]
        s.f = nn.Sequential(*c(4, nf, False), *c(nf, nf*2), *c(nf*2, nf*4), *c(nf*4, nf*8)); s.o = nn.Conv2d(nf*8, 1, 4, 1, 0)
        if norm == 'sn': s.o = nn.utils.spectral_norm(s.o)
    def forward(s, x): return s.o(s.f(x)).view(-1)
g = DCG(a.nf) if a.g == 'dcgan' else G(a.gwidth, a.g == 'resgan'); d = DCD(a.nf, a.d) if (a.g == 'dcgan' or a.dtype == 'dcgan') else D(a.dwidth, a.d)
for m in list(g.modules()) + list(d.modules()):
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        if a.init == 'xavier': nn.init.xavier_uniform_(m.weight)
        else: nn.init.normal_(m.weight, 0, 0.02)
        nn.init.zeros_(m.bias)
import copy; ge = copy.deepcopy(g)
og = torch.optim.Adam(g.parameters(), a.lrg, betas=(a.beta1, a.beta2)); od = torch.optim.Adam(d.parameters(), a.lrd, betas=(a.beta1, a.beta2))
def mask_of(ml): return torch.sigmoid(ml) if a.mhead == 'sigmoid' else (torch.tanh(ml) + 1) / 2
def dview(m): return 2*m - 1 if a.mask == 'signed' else m
def diffaug(x):  # x: [N,4,H,W]; colour on image channels only; translation & cutout on all
    n = x.shape[0]; img, m = x[:, :3], x[:, 3:]
    img = img + (torch.rand(n,1,1,1) - 0.5)
    mean = img.mean(1, keepdim=True); img = (img - mean) * (torch.rand(n,1,1,1) * 2) + mean
    mean = img.mean((1,2,3), keepdim=True); img = (img - mean) * (torch.rand(n,1,1,1) + 0.5) + mean
    x = torch.cat([img, m], 1)
    H = x.shape[2]; sh = H // 8
    tx = torch.randint(-sh, sh+1, (n,)); ty = torch.randint(-sh, sh+1, (n,))
    gy, gx = torch.meshgrid(torch.arange(H), torch.arange(H), indexing='ij')
    yy = (gy[None] + ty[:,None,None]).clamp(-1, H); xx = (gx[None] + tx[:,None,None]).clamp(-1, H)
    xp = F.pad(x, (1,1,1,1)); idx = ((yy+1) * (H+2) + (xx+1)).view(n, 1, -1).expand(-1, 4, -1)
    x = xp.flatten(2).gather(2, idx).view(n, 4, H, H)
    cs = H // 2; cy = torch.randint(0, H + (1 - cs % 2), (n,)); cx = torch.randint(0, H + (1 - cs % 2), (n,))
    my = ((gy[None] - cy[:,None,None] + cs//2).clamp(0) < cs) & ((gy[None] - cy[:,None,None] + cs//2) >= 0)
    mx = ((gx[None] - cx[:,None,None] + cs//2) < cs) & ((gx[None] - cx[:,None,None] + cs//2) >= 0)
    keep = (~(my & mx)).float()[:, None]
    return x * keep
def D_in(img, m, real):
    if a.hard and not real: m = m + ((m > 0.5).float() - m).detach()
    mv = dview(m)
    if a.noise > 0: mv = mv + a.noise * torch.randn_like(mv)
    x = torch.cat([img, mv], 1)
    x = diffaug(x) if a.da else x
    n, c, H, W = x.shape
    return x.view(n // a.pack, c * a.pack, H, W)
def ising(m): return ((m[:,:,1:]-m[:,:,:-1]).abs().sum() + (m[:,:,:,1:]-m[:,:,:,:-1]).abs().sum()) / m.numel()
def z(n): return torch.rand(n, 100) * 2 - 1
bce = F.binary_cross_entropy_with_logits
log = open(a.out + '/log.csv', 'w'); log.write('step,t,dloss,gloss,dreal,dfake,fg\n')
t0 = time.time(); step = 0; B = a.batch
def stats(gen, n=256, mode='train'):
    gen.train(mode == 'train')
    with torch.no_grad():
        ims, ms = [], []
        for k in range(n // 64):
            torch.manual_seed(1000 + k); i, ml = gen(z(64)); ims.append(i); ms.append(mask_of(ml))
    gen.train(True)
    I = torch.cat(ims); Mm = (torch.cat(ms) > 0.5).float()
    fg = Mm.mean().item(); empty = (Mm.flatten(1).sum(1) == 0).float().mean().item()
    f = Mm.flatten(1)[:128]; inter = f @ f.T; un = f.sum(1)[:,None] + f.sum(1)[None] - inter
    iou = (inter / un.clamp(min=1))[~torch.eye(128, dtype=bool)].mean().item()
    lum = I.mean(1, keepdim=True); inside = (lum*Mm).sum() / Mm.sum().clamp(min=1); outside = (lum*(1-Mm)).sum() / (1-Mm).sum().clamp(min=1)
    return dict(fg=fg, empty=empty, pair_iou=iou, contrast=(inside-outside).item()/2), I, Mm
def save_grid(I, Mm, path):
    from PIL import Image
    I = ((I[:32].clamp(-1,1)+1)*127.5).byte().permute(0,2,3,1).numpy(); Mm = (Mm[:32,0]*255).byte().numpy()
    H = I.shape[1]; canvas = np.zeros((4*H, 16*H, 3), np.uint8)
    for k in range(32):
        r, c = k // 8, k % 8
        canvas[r*H:(r+1)*H, (2*c)*H:(2*c+1)*H] = I[k]; canvas[r*H:(r+1)*H, (2*c+1)*H:(2*c+2)*H] = Mm[k][:,:,None]
    Image.fromarray(canvas).save(path)
rng = np.random.RandomState(a.seed)
while time.time() - t0 < a.minutes * 60:
    idx = rng.randint(0, len(X), B); xr, mr = X[idx], M[idx]
    # dihedral flips of the real pairs (as the paper)
    if rng.rand() < 0.5: xr, mr = xr.flip(3), mr.flip(3)
    if rng.rand() < 0.5: xr, mr = xr.flip(2), mr.flip(2)
    if rng.rand() < 0.5: xr, mr = xr.transpose(2,3), mr.transpose(2,3)
    img, ml = g(z(B)); m = mask_of(ml)
    if a.r1 > 0:
        xin = D_in(xr, mr, True).detach().requires_grad_(True); lr_ = d(xin)
    else: lr_ = d(D_in(xr, mr, True))
    lf = d(D_in(img.detach(), m.detach(), False))
    dl = bce(lr_, torch.ones_like(lr_)) + bce(lf, torch.zeros_like(lf))
    if a.r1 > 0:
        gr, = torch.autograd.grad(lr_.sum(), xin, create_graph=True); dl = dl + a.r1 / 2 * gr.pow(2).flatten(1).sum(1).mean()
    od.zero_grad(); dl.backward(); od.step()
    lf2 = d(D_in(img, m, False)); lam = a.lam * min(1, (step+1)/a.warm) if a.warm else a.lam
    gl = bce(lf2, torch.ones_like(lf2)) + lam * ising(m)
    og.zero_grad(); gl.backward(); og.step()
    with torch.no_grad():
        for pe, pg in zip(ge.parameters(), g.parameters()): pe.lerp_(pg, 1 - a.ema)
        for be, bg in zip(ge.buffers(), g.buffers()): be.copy_(bg)
    if step % 20 == 0:
        log.write(f'{step},{time.time()-t0:.0f},{dl.item():.3f},{gl.item():.3f},{torch.sigmoid(lr_).mean().item():.3f},{torch.sigmoid(lf).mean().item():.3f},{(m>0.5).float().mean().item():.3f}\n'); log.flush()
    if step % 500 == 0:
        s, I, Mm = stats(g); print(step, f'{time.time()-t0:.0f}s', 'D', round(dl.item(),3), 'train-mode', {k: round(v,3) for k,v in s.items()}, flush=True)
        save_grid(I, Mm, f'{a.out}/grid_{step:05d}.png')
    step += 1
for name, gen in [('g', g), ('ema', ge)]:
    for mode in ['train', 'eval']:
        s, I, Mm = stats(gen, mode=mode); print('final', step, name, mode, {k: round(v,3) for k,v in s.items()}, flush=True)
        save_grid(I, Mm, f'{a.out}/final_{name}_{mode}.png')
torch.save({'g': g.state_dict(), 'ema': ge.state_dict(), 'args': vars(a)}, a.out + '/ck.pt')

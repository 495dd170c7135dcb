#!/usr/bin/python3
"""A PyTorch twin of the patch recipe (docs/gan-recipe.md), and the ablation it was found with.

The library's 64 px pairs (a dataset cache a GAN program writes with --cache),
optionally contrast-stretched per image (--norm 1, as --intensity stretch), are
cut into random --crop px windows (dihedral flips as the paper); a generator
with two sibling heads and a discriminator, both of the --arch named, train
with hard (straight-through) masks shown to D as 2m - 1, DiffAugment (colour
and translation), Adam beta1 0.5, the Ising term warmed up over 500 steps and
an EMA of G. At the end the EMA draws --export pairs of 64 px, each a mosaic of
(64 / crop)^2 windows, into OUT/pairs (images/, masks/), which
`unet --fraction 0 --synthetic OUT/pairs --intensity stretch` judges (TSTR).

  --arch dcgan   the library's --networks dcgan (--res 1: the ResGAN's residual heads)
  --arch paper   the paper's ResGAN generator and 7-layer discriminator (--dnorm bn|none)
  --arch paperg  the paper's ResGAN generator with the DCGAN discriminator

  /usr/bin/python3 benchmarks/gan_twin/patch_gan_twin.py --cache-file CACHE/dataset-*.bin \
      --exclude-ids UNET_RUN/per_image_iou.csv --norm 1 --res 1 --init xavier --minutes 30 --out runs/twin

The library's default ising_resgan at --size 64 (the ambiguity penalty, the
minibatch standard deviation, 6000 steps):
  ... --norm 1 --res 1 --init xavier --cutout 1 --amb 6 --mbstd 1 --iters 6000 --minutes 1000 --out runs/twin_default
(without --mbstd 1: the default before the minibatch standard deviation, with --balance 0)

One thread, CPU only; Debian's python3-torch.
"""
import argparse, os, sys, time, copy
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gan_twin_cache import load_cache
p = argparse.ArgumentParser(description=__doc__.split('\n')[1])
p.add_argument('--cache-file', required=True, help='a 64 px dataset-*.bin of a GAN program run with --cache')
p.add_argument('--exclude-ids', help='per_image_iou.csv of a unet run: never train on its test images')
p.add_argument('--crop', type=int, default=32); p.add_argument('--norm', type=int, default=0)
p.add_argument('--nf', type=int, default=32); p.add_argument('--dnf', type=int, default=32)
p.add_argument('--lrg', type=float, default=2e-4); p.add_argument('--lrd', type=float, default=2e-4)
p.add_argument('--beta1', type=float, default=0.5); p.add_argument('--lam', type=float, default=1.5); p.add_argument('--warm', type=int, default=500)
p.add_argument('--da', type=int, default=1); p.add_argument('--cutout', type=int, default=0); p.add_argument('--hard', type=int, default=1)
p.add_argument('--r1', type=float, default=0.0); p.add_argument('--ema', type=float, default=0.999)
p.add_argument('--minutes', type=float, default=10); p.add_argument('--seed', type=int, default=1); p.add_argument('--batch', type=int, default=64)
p.add_argument('--out', required=True); p.add_argument('--export', type=int, default=1000)
p.add_argument('--amb', type=float, default=0.0, help="the ambiguity penalty U * mean m(1 - m) on G's soft mask, warmed up with lambda (the library's --mask-ambiguity)")
p.add_argument('--iters', type=int, default=0, help='stop after this many steps (0: only --minutes)')
p.add_argument('--mbstd', type=int, default=0, help="a minibatch standard deviation layer before D's last convolution (the library's --minibatch-stddev on)")
p.add_argument('--threads', type=int, default=1); p.add_argument('--arch', default='dcgan'); p.add_argument('--res', type=int, default=0); p.add_argument('--init', default='normal'); p.add_argument('--dnorm', default='none')
a = p.parse_args()
torch.manual_seed(a.seed); np.random.seed(a.seed); torch.set_num_threads(a.threads); os.makedirs(a.out, exist_ok=True)
imgs, masks, ids = load_cache(a.cache_file)
excluded = {l.split(',')[0] for l in open(a.exclude_ids).read().splitlines()[1:] if l} if a.exclude_ids else set()
train = np.array([i for i, n in enumerate(ids) if n not in excluded]); print('train', len(train), flush=True)
X = imgs[train].copy(); M = masks[train].copy()
if a.norm:
    for k in range(len(X)):
        lum = X[k].mean(0); lo, hi = np.quantile(lum, 0.01), np.quantile(lum, 0.995)
        X[k] = np.clip((X[k] - lo) / max(hi - lo, 1e-3) * 2 - 1, -1, 1)
X = torch.tensor(X); M = torch.tensor(M); S = a.crop
def up(i, o): return [nn.ConvTranspose2d(i, o, 4, 2, 1), nn.BatchNorm2d(o), nn.ReLU()]
class ResB(nn.Module):
    def __init__(s, c): super().__init__(); s.b = nn.Sequential(nn.Conv2d(c,c,3,1,1), nn.BatchNorm2d(c), nn.ReLU(), nn.Conv2d(c,c,3,1,1), nn.BatchNorm2d(c))
    def forward(s, x): return F.relu(x + s.b(x))
class Gen(nn.Module):
    def __init__(s, nf):
        super().__init__(); st = int(np.log2(S)) - 2   # upsamplings after 4x4
        L = [nn.ConvTranspose2d(100, nf * 2**(st-1), 4, 1, 0), nn.BatchNorm2d(nf * 2**(st-1)), nn.ReLU()]
        c = nf * 2**(st-1)
        for _ in range(st - 2): L += up(c, c // 2); c //= 2
        s.trunk = nn.Sequential(*L)
        s.hi = nn.Sequential(*up(c, nf), *([ResB(nf)] if a.res else []), nn.ConvTranspose2d(nf, 3, 4, 2, 1)); s.hm = nn.Sequential(*up(c, nf), *([ResB(nf)] if a.res else []), nn.ConvTranspose2d(nf, 1, 4, 2, 1))
    def forward(s, z):
        h = s.trunk(z.view(-1, 100, 1, 1)); return torch.tanh(s.hi(h)), s.hm(h)
class Dis(nn.Module):
    def __init__(s, nf):
        super().__init__(); st = int(np.log2(S)) - 2; L = []; c_in = 4; c = nf
        for k in range(st): L += [nn.Conv2d(c_in, c, 4, 2, 1), nn.LeakyReLU(0.2)]; c_in = c; c = min(c * 2, 8 * nf)
        s.f = nn.Sequential(*L); s.o = nn.Conv2d(c_in + (1 if a.mbstd else 0), 1, 4, 1, 0)
    def forward(s, x):
        h = s.f(x)
        if a.mbstd:  # the batch's mean feature standard deviation as one more channel (layers/minibatch_stddev.hpp)
            sd = torch.sqrt(h.var(0, unbiased=False) + 1e-8).mean()
            h = torch.cat([h, sd.expand(h.shape[0], 1, h.shape[2], h.shape[3])], 1)
        return s.o(h).view(-1)
class Res(nn.Module):
    def __init__(s, c): super().__init__(); s.b = nn.Sequential(nn.Conv2d(c,c,3,1,1), nn.BatchNorm2d(c), nn.ReLU(), nn.Conv2d(c,c,3,1,1), nn.BatchNorm2d(c))
    def forward(s, x): return F.relu(x + s.b(x))
class PaperG(nn.Module):
    def __init__(s, w=4):
        super().__init__(); T = 512 // w; s.T = T; ups = int(np.log2(S // 32))
        s.fc = nn.Linear(100, 16 * T); s.bn0 = nn.BatchNorm2d(T); L = []; c = T
        for k in range(3):
            if k >= 3 - ups: L += up(c, c // 2)
            else: L += [nn.ConvTranspose2d(c, c // 2, 3, 1, 1), nn.BatchNorm2d(c // 2), nn.ReLU()]
            c //= 2
        s.trunk = nn.Sequential(*L); c1, c2 = 64 // w, 32 // w
        def head(o): return nn.Sequential(*up(c, c1), Res(c1), *up(c1, c2), Res(c2), nn.ConvTranspose2d(c2, o, 4, 2, 1))
        s.hi, s.hm = head(3), head(1)
    def forward(s, z):
        h = F.relu(s.bn0(s.fc(z).view(-1, s.T, 4, 4))); h = s.trunk(h); return torch.tanh(s.hi(h)), s.hm(h)
class PaperD(nn.Module):
    def __init__(s, w=4):
        super().__init__(); ch = [c // w for c in [64,128,128,256,256,512,512]]; st = int(np.log2(S)) - 2; L = []; prev = 4
        for k in range(7):
            L.append(nn.Conv2d(prev, ch[k], 5, 2 if k < st else 1, 2))
            if k > 0 and a.dnorm == 'bn': L.append(nn.BatchNorm2d(ch[k]))
            L.append(nn.LeakyReLU(0.2)); prev = ch[k]
        s.f = nn.Sequential(*L); s.fc = nn.Linear(prev, 1)
    def forward(s, x): return s.fc(s.f(x).mean((2, 3))).squeeze(1)
if a.arch == 'paper': g = PaperG(); d = PaperD()
elif a.arch == 'paperg': g = PaperG(); d = Dis(a.dnf)
else: g = Gen(a.nf); d = Dis(a.dnf)
for m in list(g.modules()) + list(d.modules()):
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)): (nn.init.normal_(m.weight, 0, 0.02) if a.init == 'normal' else nn.init.xavier_uniform_(m.weight)); nn.init.zeros_(m.bias)
ge = copy.deepcopy(g)
og = torch.optim.Adam(g.parameters(), a.lrg, betas=(a.beta1, 0.999)); od = torch.optim.Adam(d.parameters(), a.lrd, betas=(a.beta1, 0.999))
def z(n): return torch.rand(n, 100) * 2 - 1
def diffaug(x):
    n = x.shape[0]; img, m = x[:, :3], x[:, 3:]
    img = img + (torch.rand(n,1,1,1) - 0.5)
    mean = img.mean(1, keepdim=True); img = (img - mean) * (torch.rand(n,1,1,1) * 2) + mean
    mean = img.mean((1,2,3), keepdim=True); img = (img - mean) * (torch.rand(n,1,1,1) + 0.5) + mean
    x = torch.cat([img, m], 1); H = x.shape[2]; sh = H // 8
    tx = torch.randint(-sh, sh+1, (n,)); ty = torch.randint(-sh, sh+1, (n,))
    gy, gx = torch.meshgrid(torch.arange(H), torch.arange(H), indexing='ij')
    yy = (gy[None] + ty[:,None,None]).clamp(-1, H); xx = (gx[None] + tx[:,None,None]).clamp(-1, H)
    xp = F.pad(x, (1,1,1,1)); idx = ((yy+1) * (H+2) + (xx+1)).view(n, 1, -1).expand(-1, 4, -1)
    x = xp.flatten(2).gather(2, idx).view(n, 4, H, H)
    if a.cutout:
        cs = H // 2; cy = torch.randint(0, H, (n,)); cx = torch.randint(0, H, (n,))
        my = ((gy[None] - cy[:,None,None] + cs//2) < cs) & ((gy[None] - cy[:,None,None] + cs//2) >= 0)
        mx = ((gx[None] - cx[:,None,None] + cs//2) < cs) & ((gx[None] - cx[:,None,None] + cs//2) >= 0)
        x = x * (~(my & mx)).float()[:, None]
    return x
def D_in(img, m, real):
    if a.hard and not real: m = m + ((m > 0.5).float() - m).detach()
    x = torch.cat([img, 2*m - 1], 1)
    return diffaug(x) if a.da else x
def ising(m): return ((m[:,:,1:]-m[:,:,:-1]).abs().sum() + (m[:,:,:,1:]-m[:,:,:,:-1]).abs().sum()) / m.numel()
bce = F.binary_cross_entropy_with_logits
rng = np.random.RandomState(a.seed)
def real_batch(B):
    idx = rng.randint(0, len(X), B); oy = rng.randint(0, 64 - S + 1, B); ox = rng.randint(0, 64 - S + 1, B)
    xr = torch.stack([X[i, :, y:y+S, x:x+S] for i, y, x in zip(idx, oy, ox)]); mr = torch.stack([M[i, :, y:y+S, x:x+S] for i, y, x in zip(idx, oy, ox)])
    if rng.rand() < 0.5: xr, mr = xr.flip(3), mr.flip(3)
    if rng.rand() < 0.5: xr, mr = xr.flip(2), mr.flip(2)
    if rng.rand() < 0.5: xr, mr = xr.transpose(2,3), mr.transpose(2,3)
    return xr, mr
def stats(I, Mm):
    fg = Mm.mean().item(); empty = (Mm.flatten(1).sum(1) == 0).float().mean().item()
    f = Mm.flatten(1)[:128]; inter = f @ f.T; un = f.sum(1)[:,None] + f.sum(1)[None] - inter
    iou = (inter / un.clamp(min=1))[~torch.eye(len(f), dtype=bool)].mean().item()
    lum = I.mean(1, keepdim=True); ins = (lum*Mm).sum() / Mm.sum().clamp(min=1); outs = (lum*(1-Mm)).sum() / (1-Mm).sum().clamp(min=1)
    return dict(fg=round(fg,3), empty=round(empty,3), pair_iou=round(iou,3), contrast=round((ins-outs).item()/2,3))
xr, mr = real_batch(256); print('real', stats(xr, mr), flush=True)
def sample(gen, n):
    ims, ms = [], []
    with torch.no_grad():
        for k in range(0, n, 64): i, ml = gen(z(64)); ims.append(i); ms.append((torch.sigmoid(ml) > 0.5).float())
    return torch.cat(ims)[:n], torch.cat(ms)[:n]
def grid(I, Mm, path, n=32):
    from PIL import Image
    I = ((I[:n].clamp(-1,1)+1)*127.5).byte().permute(0,2,3,1).numpy(); Mm = (Mm[:n,0]*255).byte().numpy(); H = I.shape[1]
    canvas = np.zeros((4*H, 16*H, 3), np.uint8)
    for k in range(n):
        r, c = k // 8, k % 8; canvas[r*H:(r+1)*H, (2*c)*H:(2*c+1)*H] = I[k]; canvas[r*H:(r+1)*H, (2*c+1)*H:(2*c+2)*H] = Mm[k][:,:,None]
    Image.fromarray(canvas).save(path)
log = open(a.out + '/log.csv', 'w'); log.write('step,t,dloss,gloss,dreal,dfake,fg\n')
t0 = time.time(); step = 0; B = a.batch
while time.time() - t0 < a.minutes * 60 and (a.iters == 0 or step < a.iters):
    xr, mr = real_batch(B)
    img, ml = g(z(B)); m = torch.sigmoid(ml)
    if a.r1 > 0 and step % 4 == 0:
        xin = D_in(xr, mr, True).detach().requires_grad_(True); lr_ = d(xin)
    else: xin = None; lr_ = d(D_in(xr, mr, True))
    lf = d(D_in(img.detach(), m.detach(), False))
    dl = bce(lr_, torch.ones_like(lr_)) + bce(lf, torch.zeros_like(lf))
    if xin is not None:
        gr, = torch.autograd.grad(lr_.sum(), xin, create_graph=True); dl = dl + 4 * a.r1 / 2 * gr.pow(2).flatten(1).sum(1).mean()
    od.zero_grad(); dl.backward(); od.step()
    lf2 = d(D_in(img, m, False)); warm = min(1, (step+1)/a.warm) if a.warm else 1
    gl = bce(lf2, torch.ones_like(lf2)) + a.lam * warm * ising(m) + a.amb * warm * (m * (1 - m)).mean()
    og.zero_grad(); gl.backward(); og.step()
    with torch.no_grad():
        for pe, pg in zip(ge.parameters(), g.parameters()): pe.lerp_(pg, 1 - a.ema)
        for be, bg in zip(ge.buffers(), g.buffers()): be.copy_(bg)
    if step % 20 == 0:
        log.write(f'{step},{time.time()-t0:.0f},{dl.item():.3f},{gl.item():.3f},{torch.sigmoid(lr_).mean().item():.3f},{torch.sigmoid(lf).mean().item():.3f},{(m>0.5).float().mean().item():.3f}\n'); log.flush()
    if step % 500 == 0:
        I, Mm = sample(g, 256); print(step, f'{time.time()-t0:.0f}s D {dl.item():.3f} Dr {torch.sigmoid(lr_).mean().item():.2f} Df {torch.sigmoid(lf).mean().item():.2f}', stats(I, Mm), flush=True)
        grid(I, Mm, f'{a.out}/grid_{step:05d}.png')
    step += 1
I, Mm = sample(ge, 256); print('final ema', step, stats(I, Mm), flush=True); grid(I, Mm, f'{a.out}/final_ema.png')
torch.save({'g': g.state_dict(), 'ema': ge.state_dict(), 'args': vars(a)}, a.out + '/ck.pt')
if a.export:
    from PIL import Image
    os.makedirs(a.out + '/pairs/images', exist_ok=True); os.makedirs(a.out + '/pairs/masks', exist_ok=True)
    per = (64 // S) ** 2; I, Mm = sample(ge, a.export * per); I = ((I.clamp(-1,1)+1)*127.5).round().byte(); Mm = (Mm*255).byte()
    k = 64 // S
    for n in range(a.export):
        ti = torch.zeros(3, 64, 64, dtype=torch.uint8); tm = torch.zeros(1, 64, 64, dtype=torch.uint8)
        for t in range(per):
            r, c = t // k, t % k; ti[:, r*S:(r+1)*S, c*S:(c+1)*S] = I[n*per+t]; tm[:, r*S:(r+1)*S, c*S:(c+1)*S] = Mm[n*per+t]
        Image.fromarray(ti.permute(1,2,0).numpy()).save(f'{a.out}/pairs/images/p_{n:06d}.png'); Image.fromarray(tm[0].numpy()).save(f'{a.out}/pairs/masks/p_{n:06d}.png')
    print('exported', a.export, flush=True)

// quickstart: the smallest end-to-end use of isinggan's CPU kernels.
//
// A two-layer convolutional network (3x3 conv, leaky ReLU 0.2, 3x3 conv)
// learns, by plain gradient descent, to reproduce a fixed edge filter (the
// 3x3 Laplacian the paper's smoothness term is built on) applied to
// synthetic random images. It needs no data and runs in seconds; it prints
// the loss as it falls.
//
// usage: quickstart [--steps N] [--seed S]
#include <cmath>
#include <cstdio>
#include <string>

#include <isinggan/isinggan.hpp>

#include "../common/cli.hpp"

namespace ig = isinggan;
namespace cli = isinggan::examples::cli;

namespace {

void leaky_relu(ig::tensor<ig::cpu>& x, float slope) {
    for (float& v : x) v = v > 0 ? v : slope * v;
}

}  // namespace

int main(int argc, char** argv) {
    int steps = 300, seed = 1;
    {
        CLI::App app("quickstart: a two-layer network learns a 3x3 filter by gradient descent on random images",
                     "quickstart");
        cli::whole(app, "--steps N", steps, "gradient steps (default 300)", {.most = 1000000});
        cli::whole(app, "--seed S", seed, "weights and images (default 1)", {.most = 1000000});
        try {
            if (const auto parsed = cli::parse(app, argc, argv); parsed.help) {
                std::printf("%s", parsed.help->c_str());
                return 0;
            }
        } catch (const isinggan::examples::usage_error& e) {
            return cli::refuse("quickstart", e.what(), "quickstart");
        }
    }
    ig::rng gen{static_cast<std::uint64_t>(seed)};
    const auto same = ig::conv2d_geometry::square(3, 1, 1);
    const ig::tensor<ig::cpu> laplacian({1, 1, 3, 3}, {0, 1, 0, 1, -4, 1, 0, 1, 0});

    // Network: 1 -> 8 channels, leaky ReLU, 8 -> 1 channel.
    ig::tensor<ig::cpu> w1({8, 1, 3, 3}), w2({1, 8, 3, 3}), g1(w1.shape()), g2(w2.shape());
    ig::fill_uniform(w1, -0.5, 0.5, gen);
    ig::fill_uniform(w2, -0.2, 0.2, gen);
    std::vector<float> b1(8, 0.0f), b2(1, 0.0f), gb1(8), gb2(1);

    ig::tensor<ig::cpu> x({16, 1, 24, 24}), target, h, a, y, dy, da, dh, unused;
    ig::cpu_workspace ws;
    const float lr = 0.05f;
    double first = 0, loss = 0;
    for (int step = 0; step <= steps; ++step) {
        ig::fill_uniform(x, -1, 1, gen);
        ig::ops::conv2d_forward(ig::cpu{}, x, laplacian, {}, target, same, ws);
        ig::ops::conv2d_forward(ig::cpu{}, x, w1, b1, h, same, ws);
        a = h;
        leaky_relu(a, 0.2f);
        ig::ops::conv2d_forward(ig::cpu{}, a, w2, b2, y, same, ws);

        // Mean squared error and its gradient.
        dy.resize(y.shape());
        loss = 0;
        for (std::size_t i = 0; i < y.size(); ++i) {
            const float d = y.data()[i] - target.data()[i];
            loss += double(d) * d;
            dy.data()[i] = 2.0f * d / float(y.size());
        }
        loss /= double(y.size());
        if (step == 0) first = loss;
        if (!std::isfinite(loss)) {
            std::fprintf(stderr, "quickstart: loss became %f at step %d; stopping\n", loss, step);
            return 1;
        }
        if (step % 50 == 0) std::printf("step %4d  loss %.6f\n", step, loss);
        if (step == steps) break;

        ig::ops::conv2d_backward_weights(ig::cpu{}, a, dy, g2, same, ws, false);
        ig::ops::conv2d_backward_bias(ig::cpu{}, dy, gb2, false);
        ig::ops::conv2d_backward_data(ig::cpu{}, dy, w2, a.shape(), da, same, ws);
        for (std::size_t i = 0; i < da.size(); ++i) da.data()[i] *= h.data()[i] > 0 ? 1.0f : 0.2f;
        ig::ops::conv2d_backward_weights(ig::cpu{}, x, da, g1, same, ws, false);
        ig::ops::conv2d_backward_bias(ig::cpu{}, da, gb1, false);

        ig::ops::axpy(ig::cpu{}, -lr, g1, w1);
        ig::ops::axpy(ig::cpu{}, -lr, g2, w2);
        for (int c = 0; c < 8; ++c) b1[c] -= lr * gb1[c];
        b2[0] -= lr * gb2[0];
    }
    std::printf("loss fell from %.4f to %.6f (%.1f%% of the start)\n", first, loss, 100.0 * loss / first);
    return loss < first ? 0 : 1;
}

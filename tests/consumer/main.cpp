// Builds against the installed headers and runs one convolution.
#include <isinggan/isinggan.hpp>

#include <cstdio>

int main() {
    namespace ig = isinggan;
    ig::tensor<ig::cpu> x({1, 1, 3, 3}, 1.0f), w({1, 1, 3, 3}, 1.0f), y;
    ig::cpu_workspace ws;
    ig::ops::conv2d_forward(ig::cpu{}, x, w, {}, y, ig::conv2d_geometry::square(3, 1, 1), ws);
    // The centre sees all nine ones, a corner four.
    const bool ok = y(0, 0, 1, 1) == 9.0f && y(0, 0, 0, 0) == 4.0f;
    std::printf("consumer: isinggan found, conv2d %s\n", ok ? "correct" : "WRONG");
    return ok ? 0 : 1;
}

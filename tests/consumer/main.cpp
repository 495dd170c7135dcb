// Builds against the installed headers and runs one convolution (and, with
// the io component, a PNG round trip).
#include <isinggan/isinggan.hpp>
#if defined(CONSUMER_HAS_IO)
#include <isinggan/io.hpp>
#endif

#include <cstdio>

int main() {
    namespace ig = isinggan;
    ig::tensor<ig::cpu> x({1, 1, 3, 3}, 1.0f), w({1, 1, 3, 3}, 1.0f), y;
    ig::cpu_workspace ws;
    ig::ops::conv2d_forward(ig::cpu{}, x, w, {}, y, ig::conv2d_geometry::square(3, 1, 1), ws);
    // The centre sees all nine ones, a corner four.
    bool ok = y(0, 0, 1, 1) == 9.0f && y(0, 0, 0, 0) == 4.0f;
    std::printf("consumer: isinggan found, conv2d %s\n", ok ? "correct" : "WRONG");
#if defined(CONSUMER_HAS_IO)
    ig::io::image8 img(2, 2, 3, 7);
    img.samples[4] = 200;
    const auto back = ig::io::decode_png(ig::io::encode_png(img));
    const bool png_ok = back.width == 2 && back.channels == 3 && back.samples == img.samples;
    std::printf("consumer: isinggan::io PNG round trip %s\n", png_ok ? "correct" : "WRONG");
    ok = ok && png_ok;
#endif
    return ok ? 0 : 1;
}

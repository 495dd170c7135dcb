// ResGAN: the residual generator with the plain GAN loss (eq. 1, no
// smoothness term), the paper's baseline for Ising-ResGAN. See examples/README.md.
#include "../common/gan_program.hpp"

int main(int argc, char** argv) {
    namespace ig = isinggan;
    return ig::examples::gan_program<ig::models::residual_generator, ig::no_smoothness>::run("resgan", argc, argv);
}

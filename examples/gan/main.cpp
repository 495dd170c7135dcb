// GAN: the paper's plain generator with the plain GAN loss (eq. 1, no
// smoothness term), the baseline for Ising-GAN. See examples/README.md.
#include "../common/gan_program.hpp"

int main(int argc, char** argv) {
    namespace ig = isinggan;
    return ig::examples::gan_program<ig::models::paper_generator, ig::no_smoothness>::run("gan", argc, argv);
}

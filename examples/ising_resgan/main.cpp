// Ising-ResGAN, the paper's proposed model: the residual generator trained
// with the Ising smoothness term λ·L_smooth on its masks (eqs. 2-4).
//   ising_resgan                      a short demo run on synthetic data
//   ising_resgan train --data ../shared/data/bbbc038 --size 64 --width 0.25 --out runs/ising_resgan
// See examples/README.md for every flag.
#include "../common/gan_program.hpp"

int main(int argc, char** argv) {
    namespace ig = isinggan;
    return ig::examples::gan_program<ig::models::residual_generator, ig::mrf_loss<ig::ising>>::run("ising_resgan", argc,
                                                                                                  argv);
}

// Ising-GAN: the paper's plain generator trained with the Ising smoothness
// term λ·L_smooth on its masks (eqs. 2-4). See examples/README.md.
#include "../common/gan_program.hpp"

int main(int argc, char** argv) {
    namespace ig = isinggan;
    return ig::examples::gan_program<ig::models::paper_generator, ig::mrf_loss<ig::ising>>::run("ising_gan", argc,
                                                                                               argv);
}

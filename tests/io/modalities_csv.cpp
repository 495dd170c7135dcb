// Tests include/isinggan/io/modalities_csv.hpp: round trip, selecting a
// modality, and errors naming the file and line.
#include <doctest/doctest.h>

#include <fstream>

#include "support/error_message.hpp"
#include "support/temp_directory.hpp"
#include "isinggan/io/modalities_csv.hpp"

namespace io = isinggan::io;

TEST_CASE("modalities csv: written rows read back, and one modality's ids are selected") {
    isinggan::testing::temp_directory dir;
    const std::vector<io::modality_row> rows = {
        {"aaa", 1, {0.5, 2.25}}, {"bbb", 2, {-1e-7, 300}}, {"ccc", 1, {7, 8}}};
    io::write_modalities_csv(dir / "m.csv", rows, {"f1", "f2"});
    std::ifstream in(dir / "m.csv");
    std::string header;
    std::getline(in, header);
    CHECK(header == "image_id,modality,f1,f2");
    const auto back = io::read_modalities_csv(dir / "m.csv");
    REQUIRE(back.size() == 3);
    for (std::size_t i = 0; i < 3; ++i) {
        CHECK(back[i].image_id == rows[i].image_id);
        CHECK(back[i].modality == rows[i].modality);
        CHECK(back[i].features == rows[i].features);
    }
    CHECK(io::ids_of_modality(back, 1) == std::vector<std::string>{"aaa", "ccc"});
    CHECK_THROWS_AS(io::ids_of_modality(back, 3), isinggan::argument_error);
}

TEST_CASE("modalities csv: malformed files give io_error with path and line") {
    isinggan::testing::temp_directory dir;
    auto message = [&](const std::string& text) -> std::string {
        std::ofstream(dir / "bad.csv") << text;
        return isinggan::testing::error_message<isinggan::io_error>([&] { (void)io::read_modalities_csv(dir / "bad.csv"); });
    };
    const std::string p = (dir / "bad.csv").string();
    CHECK(message("id,cluster\nx,1\n") == p + ":1: expected the header 'image_id,modality,...'");
    CHECK(message("image_id,modality\nx,1\ny,zero\n").rfind(p + ":3: ", 0) == 0);
    CHECK(message("image_id,modality\nx,0\n").rfind(p + ":2: ", 0) == 0);
    CHECK(message("image_id,modality,f\nx,1,1.5abc\n").rfind(p + ":2: ", 0) == 0);
    CHECK(message("image_id,modality\nx\n") == p + ":2: missing modality");
    CHECK(std::string(message("")).rfind(p + ":1:", 0) == 0);
    CHECK_THROWS_AS(io::read_modalities_csv(dir / "absent.csv"), isinggan::io_error);
}

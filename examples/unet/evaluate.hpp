#pragma once
// `unet evaluate`: a trained U-Net scores a folder of pairs — the IoU of its
// predictions against the folder's masks. On real pairs that is the test
// score; on generated pairs it is their *consistency*: how well each mask
// outlines what a segmentation network sees in its image. Pooled IoU is the
// headline for generated pairs: an empty mask on a blank image scores 0 there
// (nothing was drawn), where the per-image mean would count it as a perfect 1.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include <isinggan/io/checkpoint.hpp>
#include <isinggan/io/dataset.hpp>
#include <isinggan/models/unet.hpp>
#include <isinggan/train/gan_sampling.hpp>
#include <isinggan/train/segmentation_trainer.hpp>

#include "../common/json_file.hpp"
#include "training.hpp"

namespace unet_program {

struct evaluate_settings {
    std::filesystem::path checkpoint, data, out, cache;
    std::size_t size = 0;  ///< 0: the checkpoint's
    double width = 0;      ///< 0: the checkpoint's
    std::size_t batch = 16;
};

namespace evaluate_detail {

template <int WidthDivisor>
isinggan::metrics::iou_accumulator score(const evaluate_settings& s, const isinggan::data::image_mask_set& set) {
    using net_type = isinggan::on_backend<isinggan::models::unet<WidthDivisor>, isinggan::cpu>;
    isinggan::train::segmentation_trainer<net_type> trainer({.batch = s.batch});
    isinggan::load_checkpoint(s.checkpoint, trainer.net(), trainer.optimizer());
    return trainer.evaluate(set, s.batch);
}

inline double metadata_number(const std::map<std::string, std::string>& meta, const char* key,
                              const std::filesystem::path& ck) {
    const auto it = meta.find(key);
    if (it == meta.end())
        throw isinggan::argument_error(ck.string() + " records no U-Net " + key + ": give --" + key);
    try {
        return std::stod(it->second);
    } catch (const std::exception&) {
        throw isinggan::io_error(ck.string() + ": metadata \"" + key + "\" is not a number: '" + it->second + "'");
    }
}

}  // namespace evaluate_detail

/// Scores s.data with the U-Net of s.checkpoint; prints and (with s.out) writes evaluation.json. Returns 0.
inline int evaluate(evaluate_settings s) {
    namespace ig = isinggan;
    if (!std::filesystem::is_regular_file(s.checkpoint))
        throw ig::io_error(s.checkpoint.string() + ": no such checkpoint");
    if (!std::filesystem::is_directory(s.data)) throw ig::io_error(s.data.string() + ": no such folder");
    const auto meta = ig::train::read_checkpoint_info(s.checkpoint).metadata;
    if (const auto p = meta.find("program"); p != meta.end() && p->second != "unet")
        throw ig::argument_error(s.checkpoint.string() + " is a checkpoint of " + p->second + ", not of unet");
    if (s.width == 0) s.width = evaluate_detail::metadata_number(meta, "width", s.checkpoint);
    if (s.size == 0) s.size = std::size_t(evaluate_detail::metadata_number(meta, "size", s.checkpoint));
    if (s.width != 1.0 && s.width != 0.25 && s.width != 0.125)
        throw ig::argument_error("--width must be 1, 0.25 or 0.125, got " + std::to_string(s.width));
    if (s.size == 0 || s.size % 16 != 0)
        throw ig::argument_error("--size must be a positive multiple of 16, got " + std::to_string(s.size));

    ig::io::dataset_options o;
    o.size = s.size;
    o.cache_dir = s.cache;
    // The preprocessing the U-Net was trained with (checkpoints from before --intensity: none).
    if (const auto i = meta.find("intensity"); i != meta.end()) o.intensity = ig::data::parse_intensity_mode(i->second);
    const ig::data::image_mask_set set = ig::io::load_dataset(s.data, o).data;
    if (set.empty()) throw ig::io_error(s.data.string() + ": no pairs to score");
    const ig::metrics::iou_accumulator iou = s.width == 1.0    ? evaluate_detail::score<1>(s, set)
                                             : s.width == 0.25 ? evaluate_detail::score<4>(s, set)
                                                               : evaluate_detail::score<8>(s, set);
    const auto q = iou.per_image_quartiles();
    std::printf("%s: %zu pairs scored by %s\n", s.data.string().c_str(), iou.images(), s.checkpoint.string().c_str());
    std::printf("IoU pooled: %.4f  mean per image: %.4f  median: %.4f\n", iou.pooled(), iou.mean_per_image(), q.median);
    if (!s.out.empty()) {
        std::filesystem::create_directories(s.out);
        const auto path = s.out / "evaluation.json";
        isinggan::examples::write_json_file(path, {{"iou_pooled", iou.pooled()},
                                                   {"iou_mean_per_image", iou.mean_per_image()},
                                                   {"iou_median", q.median}, {"pairs", iou.images()},
                                                   {"size", s.size}, {"width", s.width}});
        std::ofstream per(s.out / "evaluation_per_image.csv");
        per << "id,iou\n";
        for (std::size_t i = 0; i < iou.images(); ++i) per << set.ids[i] << ',' << iou.per_image()[i] << '\n';
        std::printf("wrote %s\n", path.string().c_str());
    }
    return 0;
}

}  // namespace unet_program

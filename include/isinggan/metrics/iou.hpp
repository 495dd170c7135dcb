#pragma once
// Intersection over union (Jaccard index) of binary segmentation masks, the
// paper's Table 1 figure. A prediction is binarised (probability >= 0.5, or
// equivalently logit >= 0) and compared with a 0/1 mask.
//
// Two summaries of a test set, which differ and are both reported:
//   - mean per-image IoU: the IoU of every image, averaged. Each image counts
//     the same, however many nucleus pixels it has. An image where both the
//     prediction and the mask are empty scores 1 (nothing to find, nothing found).
//   - pooled (dataset-level) IoU: the intersections and unions of all images
//     summed first, then divided. Large foreground areas weigh more.
// iou_accumulator collects both, plus the per-image values for their quartiles.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "isinggan/core/error.hpp"
#include "isinggan/core/tensor.hpp"

namespace isinggan::metrics {

/// Pixel counts of one comparison: |P ∩ T| and |P ∪ T|.
struct overlap_counts {
    std::uint64_t intersection = 0;
    std::uint64_t union_size = 0;

    /// |P ∩ T| / |P ∪ T|; 1 when both masks are empty.
    double iou() const noexcept { return union_size == 0 ? 1.0 : double(intersection) / double(union_size); }
    overlap_counts& operator+=(const overlap_counts& o) noexcept {
        intersection += o.intersection;
        union_size += o.union_size;
        return *this;
    }
};

/// Overlap of prediction[i] >= threshold with truth[i] >= 0.5 over n pixels.
inline overlap_counts binary_overlap(const float* prediction, const float* truth, std::size_t n,
                                     float threshold) noexcept {
    overlap_counts c;
    for (std::size_t i = 0; i < n; ++i) {
        const bool p = prediction[i] >= threshold, t = truth[i] >= 0.5f;
        c.intersection += (p && t);
        c.union_size += (p || t);
    }
    return c;
}

/// Minimum, quartiles and maximum, interpolated linearly between order
/// statistics (NumPy's default percentile method).
struct five_numbers {
    double min = 0, q1 = 0, median = 0, q3 = 0, max = 0;
};

/// The five numbers of `values`; all zero for an empty list.
inline five_numbers quartiles(std::vector<double> values) {
    five_numbers f;
    if (values.empty()) return f;
    std::sort(values.begin(), values.end());
    auto at = [&](double q) {
        const double pos = q * double(values.size() - 1);
        const std::size_t lo = std::size_t(std::floor(pos));
        const std::size_t hi = std::min(lo + 1, values.size() - 1);
        return values[lo] + (pos - double(lo)) * (values[hi] - values[lo]);
    };
    f.min = values.front();
    f.q1 = at(0.25);
    f.median = at(0.5);
    f.q3 = at(0.75);
    f.max = values.back();
    return f;
}

/// What a prediction tensor holds.
enum class prediction_kind {
    logits,        ///< foreground where logit >= 0 (sigmoid >= 0.5)
    probabilities  ///< foreground where value >= 0.5 (also right for 0/1 masks)
};

/// IoU over a test set, fed a batch at a time.
class iou_accumulator {
public:
    /// Adds every image of `prediction` ([N,1,H,W]) against `masks` (same shape, 0/1).
    void add(const tensor<cpu>& prediction, const tensor<cpu>& masks, prediction_kind kind) {
        require_same_shape(prediction, masks, "iou_accumulator: prediction and masks");
        if (prediction.c() != 1)
            throw shape_error("iou_accumulator: expects one channel per image, got " + prediction.shape().str());
        const float threshold = kind == prediction_kind::logits ? 0.0f : 0.5f;
        const std::size_t plane = prediction.h() * prediction.w();
        for (std::size_t i = 0; i < prediction.n(); ++i) {
            const overlap_counts c = binary_overlap(prediction.sample(i), masks.sample(i), plane, threshold);
            per_image_.push_back(c.iou());
            pooled_ += c;
        }
    }

    std::size_t images() const noexcept { return per_image_.size(); }
    /// Average of the per-image IoUs (each image weighs the same). Throws when no image was added.
    double mean_per_image() const {
        require_some("mean_per_image");
        double s = 0;
        for (double v : per_image_) s += v;
        return s / double(per_image_.size());
    }
    /// Summed intersections over summed unions (dataset level). Throws when no image was added.
    double pooled() const {
        require_some("pooled");
        return pooled_.iou();
    }
    five_numbers per_image_quartiles() const { return quartiles(per_image_); }
    const std::vector<double>& per_image() const noexcept { return per_image_; }
    const overlap_counts& pooled_counts() const noexcept { return pooled_; }

private:
    void require_some(const char* what) const {
        if (per_image_.empty()) throw argument_error(std::string("iou_accumulator::") + what + ": no image was added");
    }

    std::vector<double> per_image_;
    overlap_counts pooled_;
};

}  // namespace isinggan::metrics

#pragma once
// Sampling weights that give each imaging modality an equal share of a GAN's
// real batches. BBBC038 mixes a majority of dark fluorescence images with
// minorities of bright-field and stained tissue (together about a third of the
// shared images, and most of the nucleus area); GANs trained on the mix with
// every image alike tend to draw the majority only, and a U-Net trained on
// their pairs then fails on the rest (docs/gan-recipe.md, "mode coverage").
// The modalities are the paper's (sec. 3): its 18 histogram texture features
// (data/texture_features.hpp), standardised, clustered by seeded k-means; each
// sample of a cluster of n_c samples weighs 1 / (k · n_c), so the clusters are
// drawn alike and, within one, the samples alike. For gan_options::sample_weights.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "isinggan/core/error.hpp"
#include "isinggan/data/image_mask_set.hpp"
#include "isinggan/data/kmeans.hpp"
#include "isinggan/data/texture_features.hpp"

namespace isinggan::data {

struct modality_balance {
    std::vector<double> weights;      ///< one per sample, summing to 1
    std::vector<std::size_t> labels;  ///< modality of each sample, 0 the largest
    std::vector<std::size_t> sizes;   ///< samples per modality
};

/// Clusters the set's images into k modalities and weighs every modality alike.
/// k = 1 gives every sample the same weight.
inline modality_balance balance_modalities(const image_mask_set& set, std::size_t k, std::uint64_t seed = 0) {
    require_consistent(set, "balance_modalities");
    if (k == 0 || k > set.size())
        throw argument_error("balance_modalities: k = " + std::to_string(k) + " needs 1 <= k <= the " +
                             std::to_string(set.size()) + " samples");
    std::vector<double> features;
    features.reserve(set.size() * modality_feature_count);
    for (std::size_t n = 0; n < set.size(); ++n) {
        const auto f = modality_features(image8_of(set, n));
        features.insert(features.end(), f.begin(), f.end());
    }
    kmeans_result clusters = kmeans(standardize(features, modality_feature_count), modality_feature_count,
                                    kmeans_options{.k = k, .seed = seed});
    order_by_size(clusters);
    modality_balance b;
    b.labels = std::move(clusters.labels);
    b.sizes = std::move(clusters.sizes);
    // k-means may leave a cluster empty: the others share the batches.
    const auto drawn = double(std::count_if(b.sizes.begin(), b.sizes.end(), [](std::size_t s) { return s > 0; }));
    b.weights.resize(set.size());
    for (std::size_t n = 0; n < set.size(); ++n)
        b.weights[n] = 1.0 / (drawn * double(b.sizes[b.labels[n]]));
    return b;
}

}  // namespace isinggan::data

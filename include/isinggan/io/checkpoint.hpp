#pragma once
// Checkpoints: a model's parameters and buffers, its optimizer's state and a
// step counter, in one safetensors file.
//
// Layout of the file
//   <prefix.>trunk.0.weight                 model tensors, F32, PyTorch state_dict names
//   <prefix.>bn.num_batches_tracked         I64 scalar beside every running_mean, as PyTorch keeps
//   optimizer.<prefix.>exp_avg.trunk.0.weight   optimizer state, PyTorch's state names
//   __metadata__: isinggan.step, and per optimizer its kind, step count and settings
// A `prefix` lets one file hold several models (a GAN's generator and
// discriminator). Without one, the model's part of the file is a PyTorch
// state_dict: safetensors.torch.load_file() then load_state_dict() reads it.
//
// Shapes. isinggan tensors are 4-d (a bias is [C,1,1,1], a dense weight
// [out,in,1,1]); PyTorch drops the unit dimensions. A tensor is saved with its
// trailing unit dimensions dropped (keeping one), and on load a file shape
// matches when both agree after removing every unit dimension; removing
// unit dimensions never reorders elements, so the copy is exact. A 1x1
// convolution's weight [out,in,1,1] is the case where PyTorch keeps the units:
// a parameter type with a `torch_rank` member (4 there), or
// `checkpoint_options::torch_shape`, can say so.
//
// Loading validates everything before it changes anything: names (missing or
// unexpected), dtypes, shapes, optimizer kind and settings. A failed load
// leaves model and optimizer as they were; the error is an io_error that
// starts with the file's path. Saving is atomic (io/safetensors_writer.hpp);
// remove_stale_temporaries clears what a save killed midway left behind.
#include <charconv>
#include <concepts>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "isinggan/core/error.hpp"
#include "isinggan/core/parameter.hpp"
#include "isinggan/core/tensor.hpp"
#include "isinggan/io/safetensors.hpp"

namespace isinggan {

/// What a checkpoint records besides tensors.
struct checkpoint_info {
    std::int64_t step = 0;                          // the training step counter
    std::map<std::string, std::string> metadata{};  // free-form; keys starting "isinggan." are reserved
};

struct checkpoint_options {
    /// The shape to write for a tensor, asked with the tensor's model name
    /// (prefix included; optimizer state is asked under its parameter's name).
    /// By default: the isinggan shape with trailing unit dimensions dropped.
    std::function<std::vector<std::uint64_t>(std::string_view name, const shape4&)> torch_shape{};
    /// Accept F64, F16, BF16 or integer tensors for model values, converting
    /// them to float (a PyTorch model saved in half precision, say).
    bool convert_dtypes = false;
};

namespace checkpoint_detail {

// Named visitors rather than lambdas in the concept below: nvcc's front end
// does not accept lambdas inside a requires-expression.
struct setting_visitor {
    void operator()(std::string_view, double&) const {}
};
struct state_visitor {
    void operator()(std::string_view, std::string_view, tensor<cpu>&, bool) const {}
};

}  // namespace checkpoint_detail

/// An optimizer that can be checkpointed (optim::adam, optim::sgd).
template <class O>
concept checkpoint_optimizer = requires(O& o, std::int64_t t) {
    { O::kind } -> std::convertible_to<std::string_view>;
    { o.steps() } -> std::convertible_to<std::int64_t>;
    o.set_steps(t);
    o.validate_settings();
    o.for_each_setting(checkpoint_detail::setting_visitor{});
    o.for_each_state(checkpoint_detail::state_visitor{});
};

namespace checkpoint_detail {

inline std::vector<std::uint64_t> default_torch_shape(const shape4& s) {
    std::vector<std::uint64_t> d{s.n, s.c, s.h, s.w};
    while (d.size() > 1 && d.back() == 1) d.pop_back();
    return d;
}

inline std::vector<std::uint64_t> squeezed(std::span<const std::uint64_t> dims) {
    std::vector<std::uint64_t> out;
    for (auto d : dims)
        if (d != 1) out.push_back(d);
    return out;
}

inline std::string format_double(double v) {
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);  // shortest form that reads back exactly
    return std::string(buf, r.ptr);
}

// "optimizer" or "optimizer.<prefix>"; "isinggan.optimizer" or "isinggan.optimizer.<prefix>".
inline std::string optimizer_prefix(std::string_view prefix) {
    return prefix.empty() ? std::string("optimizer") : join_name("optimizer", prefix);
}
inline std::string meta_prefix(std::string_view prefix) {
    return prefix.empty() ? std::string("isinggan.optimizer") : join_name("isinggan.optimizer", prefix);
}

}  // namespace checkpoint_detail

/// Builds a checkpoint from one or more models and optimizers, then saves it.
class checkpoint_writer {
public:
    explicit checkpoint_writer(checkpoint_options o = {}) : opt_(std::move(o)) {}

    template <class Model>
    void add_model(Model& model, std::string_view prefix = "") {
        std::set<std::string> bn_prefixes;
        auto add = [&](std::string_view name, const tensor<cpu>& t, std::size_t rank) {
            const std::string key = join_name(prefix, name);
            if (key.rfind("optimizer.", 0) == 0)
                throw argument_error("checkpoint: model tensor \"" + key +
                                     "\" collides with the optimizer's namespace");
            w_.add(key, shape_of(key, t.shape(), rank), t.values());
            model_keys_.insert(key);
        };
        visit_params(model, [&](std::string_view name, auto& p) {
            // A parameter type may say how many dimensions PyTorch gives it
            // (a 1x1 convolution's weight keeps its unit dimensions).
            std::size_t rank = 0;
            if constexpr (requires { p.torch_rank; }) rank = static_cast<std::size_t>(p.torch_rank);
            add(name, p.value, rank);
        });
        visit_buffers(model, [&](std::string_view name, tensor<cpu>& t) {
            add(name, t, 0);
            constexpr std::string_view rm = "running_mean";
            if (name == rm || name.ends_with(".running_mean"))
                bn_prefixes.insert(join_name(prefix, name.substr(0, name.size() - rm.size())));
        });
        // PyTorch's BatchNorm keeps a batch counter that isinggan does not need
        // (it matters only when momentum is None); writing 0 keeps the file a
        // complete state_dict for load_state_dict(strict=True).
        for (const auto& p : bn_prefixes) {
            const std::string key = p + "num_batches_tracked";
            if (model_keys_.count(key)) continue;
            const std::byte zero[8]{};
            w_.add(key, safetensors::dtype::I64, {}, zero);
            model_keys_.insert(key);
        }
    }

    template <checkpoint_optimizer Optimizer>
    void add_optimizer(Optimizer& o, std::string_view prefix = "") {
        using checkpoint_detail::format_double;
        const std::string meta = checkpoint_detail::meta_prefix(prefix);
        const std::string tensors = checkpoint_detail::optimizer_prefix(prefix);
        w_.set_metadata(meta + ".kind", std::string(Optimizer::kind));
        w_.set_metadata(meta + ".steps", std::to_string(o.steps()));
        o.for_each_setting([&](std::string_view name, double& v) {
            w_.set_metadata(meta + "." + std::string(name), format_double(v));
        });
        o.for_each_state([&](std::string_view state, std::string_view param, tensor<cpu>& t, bool in_use) {
            if (!in_use) return;
            const std::string key = tensors + "." + std::string(state) + "." + std::string(param);
            w_.add(key, shape_of(join_name(prefix, param), t.shape()), t.values());
        });
    }

    void set_info(const checkpoint_info& info) {
        for (const auto& [k, v] : info.metadata) {
            if (k.rfind("isinggan.", 0) == 0)
                throw argument_error("checkpoint: metadata key \"" + k + "\" uses the reserved prefix \"isinggan.\"");
            w_.set_metadata(k, v);
        }
        w_.set_metadata("isinggan.step", std::to_string(info.step));
    }

    std::vector<std::byte> serialize() const { return w_.serialize(); }
    void save(const std::filesystem::path& path) const { w_.save(path); }

private:
    std::vector<std::uint64_t> shape_of(const std::string& name, const shape4& s, std::size_t rank = 0) const {
        std::vector<std::uint64_t> d;
        if (opt_.torch_shape) d = opt_.torch_shape(name, s);
        else if (rank >= 1 && rank <= 4) {
            d = {s.n, s.c, s.h, s.w};
            d.resize(rank);  // the dropped dimensions must be units: checked below
        } else {
            d = checkpoint_detail::default_torch_shape(s);
        }
        if (checkpoint_detail::squeezed(d) !=
            checkpoint_detail::squeezed(std::vector<std::uint64_t>{s.n, s.c, s.h, s.w}))
            throw argument_error("checkpoint: torch_shape " + safetensors::shape_string(d) + " for \"" + name +
                                 "\" does not fit its shape " + s.str());
        return d;
    }

    checkpoint_options opt_;
    safetensors::writer w_;
    std::set<std::string> model_keys_;
};

/// Reads a checkpoint and loads models and optimizers from it, each load
/// all-or-nothing. `require_all_used()` then reports tensors nobody claimed.
class checkpoint_reader {
public:
    explicit checkpoint_reader(const std::filesystem::path& path, checkpoint_options o = {})
        : file_(safetensors::file::open(path)), opt_(std::move(o)) {}
    checkpoint_reader(safetensors::file f, checkpoint_options o = {}) : file_(std::move(f)), opt_(std::move(o)) {}

    const safetensors::file& file() const noexcept { return file_; }

    /// The step counter and the free-form metadata.
    checkpoint_info info() const {
        checkpoint_info info;
        for (const auto& [k, v] : file_.metadata()) {
            if (k.rfind("isinggan.", 0) != 0) info.metadata[k] = v;
        }
        if (const auto* s = file_.find_metadata("isinggan.step")) info.step = parse_int(*s, "isinggan.step");
        return info;
    }

    /// Copies the model's tensors from the file, after checking all of them.
    template <class Model>
    void load_model(Model& model, std::string_view prefix = "") {
        auto plan = plan_model(model, prefix);
        apply(plan);
    }

    /// Restores the optimizer serving `model` (kind, settings, steps, state).
    template <checkpoint_optimizer Optimizer, class Model>
    void load_optimizer(Optimizer& o, Model& model, std::string_view prefix = "") {
        o = stage_optimizer(o, model, prefix);
    }

    /// Throws io_error naming every tensor no load claimed (a model with fewer
    /// layers than the one saved, a misspelt prefix). PyTorch's batch counters
    /// (num_batches_tracked) are not state isinggan keeps and count as claimed.
    void require_all_used() const {
        std::string unused;
        int count = 0;
        for (const auto& e : file_.tensors()) {
            if (used_.count(e.name) || e.name.ends_with(".num_batches_tracked") || e.name == "num_batches_tracked")
                continue;
            if (++count <= 5) unused += (count > 1 ? ", \"" : "\"") + e.name + "\"";
        }
        if (count)
            throw io_error(file_.path() + ": " + std::to_string(count) + " unexpected tensor" + (count > 1 ? "s" : "") +
                           " not in the model: " + unused + (count > 5 ? ", ..." : ""));
    }

    // The two phases of a load, public so that a caller loading several models
    // can check them all before changing any (load_checkpoint does).
    struct copy {
        tensor<cpu>* dst;
        const safetensors::tensor_entry* src;
    };

    template <class Model>
    std::vector<copy> plan_model(Model& model, std::string_view prefix) {
        std::vector<copy> plan;
        auto check = [&](std::string_view name, tensor<cpu>& t) {
            const std::string key = join_name(prefix, name);
            plan.push_back({&t, &entry(key, t.shape(), opt_.convert_dtypes, "the model")});
        };
        visit_params(model, [&](std::string_view name, parameter<cpu>& p) { check(name, p.value); });
        visit_buffers(model, [&](std::string_view name, tensor<cpu>& t) { check(name, t); });
        return plan;
    }

    void apply(const std::vector<copy>& plan) const {
        for (const auto& c : plan) file_.read(*c.src, c.dst->values());
    }

    template <checkpoint_optimizer Optimizer, class Model>
    Optimizer stage_optimizer(const Optimizer& current, Model& model, std::string_view prefix) {
        const std::string meta = checkpoint_detail::meta_prefix(prefix);
        const std::string tensors = checkpoint_detail::optimizer_prefix(prefix);
        const std::string& kind = metadata(meta + ".kind");
        if (kind != Optimizer::kind)
            throw io_error(file_.path() + ": the checkpoint holds " + kind + " state, not " +
                           std::string(Optimizer::kind));
        Optimizer o = current;
        o.for_each_setting([&](std::string_view name, double& v) {
            v = parse_double(metadata(meta + "." + std::string(name)), name);
        });
        try {
            o.validate_settings();
            o.set_steps(parse_int(metadata(meta + ".steps"), "steps"));
            o.prepare(model);
        } catch (const argument_error& e) {
            throw io_error(file_.path() + ": optimizer state does not fit: " + e.what());
        }
        o.for_each_state([&](std::string_view state, std::string_view param, tensor<cpu>& t, bool in_use) {
            if (!in_use) return;
            const std::string key = tensors + "." + std::string(state) + "." + std::string(param);
            file_.read(entry(key, t.shape(), false, "the optimizer"), t.values());
        });
        return o;
    }

private:
    const safetensors::tensor_entry& entry(const std::string& key, const shape4& s, bool convert, const char* owner) {
        const auto* e = file_.find(key);
        if (!e)
            throw io_error(file_.path() + ": missing tensor \"" + key + "\" (" + owner + " has it, shape " + s.str() +
                           ")");
        if (e->type != safetensors::dtype::F32 && !(convert && safetensors::is_real(e->type)))
            throw io_error(file_.path() + ": tensor \"" + key + "\" is " +
                           std::string(safetensors::dtype_name(e->type)) + ", expected F32" +
                           (convert ? "" : " (checkpoint_options::convert_dtypes converts)"));
        const std::vector<std::uint64_t> want{s.n, s.c, s.h, s.w};
        if (checkpoint_detail::squeezed(e->shape) != checkpoint_detail::squeezed(want))
            throw io_error(file_.path() + ": tensor \"" + key + "\" has shape " + safetensors::shape_string(e->shape) +
                           ", " + owner + " expects " +
                           safetensors::shape_string(checkpoint_detail::default_torch_shape(s)) + " (" + s.str() + ")");
        used_.insert(key);
        return *e;
    }

    const std::string& metadata(const std::string& key) const {
        if (const auto* v = file_.find_metadata(key)) return *v;
        throw io_error(file_.path() + ": missing metadata \"" + key + "\"");
    }

    std::int64_t parse_int(const std::string& s, std::string_view what) const {
        std::int64_t v = 0;
        const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
        if (r.ec != std::errc() || r.ptr != s.data() + s.size())
            throw io_error(file_.path() + ": metadata " + std::string(what) + " \"" + s + "\" is not an integer");
        return v;
    }
    double parse_double(const std::string& s, std::string_view what) const {
        double v = 0;
        const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
        if (r.ec != std::errc() || r.ptr != s.data() + s.size())
            throw io_error(file_.path() + ": optimizer setting " + std::string(what) + " \"" + s +
                           "\" is not a number");
        return v;
    }

    safetensors::file file_;
    checkpoint_options opt_;
    std::set<std::string, std::less<>> used_;
};

/// Saves `model` (and `optimizer`, when given) with `info` to `path`, atomically.
template <class Model>
void save_checkpoint(const std::filesystem::path& path, Model& model, const checkpoint_info& info = {},
                     checkpoint_options o = {}) {
    checkpoint_writer w(std::move(o));
    w.add_model(model);
    w.set_info(info);
    w.save(path);
}
template <class Model, checkpoint_optimizer Optimizer>
void save_checkpoint(const std::filesystem::path& path, Model& model, Optimizer& optimizer,
                     const checkpoint_info& info = {}, checkpoint_options o = {}) {
    checkpoint_writer w(std::move(o));
    w.add_model(model);
    w.add_optimizer(optimizer);
    w.set_info(info);
    w.save(path);
}

/// Removes the temporary files that saves of `path` killed midway left
/// beside it: an atomic save writes <name>.tmp-<pid>-<n> and renames it over
/// <name> (safetensors::write_file_atomically), so a `kill -9` during the write
/// leaves one behind. Only regular files named <name>.tmp-* in path's folder
/// are removed; call it when no other process saves `path`. Returns how many.
inline std::size_t remove_stale_temporaries(const std::filesystem::path& path) {
    namespace fs = std::filesystem;
    const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
    const std::string prefix = path.filename().string() + ".tmp-";
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return 0;
    std::vector<fs::path> stale;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        std::error_code type_ec;  // a file that vanished meanwhile is simply skipped
        if (it->path().filename().string().rfind(prefix, 0) == 0 && it->is_regular_file(type_ec))
            stale.push_back(it->path());
    }
    if (ec) throw io_error(dir.string() + ": cannot list the folder: " + ec.message());
    for (const auto& f : stale)
        if (!fs::remove(f, ec) && ec)
            throw io_error(f.string() + ": cannot remove a leftover temporary file: " + ec.message());
    return stale.size();
}

/// Loads `model` (and `optimizer`) from `path`; every tensor of the file must
/// be used. Nothing changes unless everything checks out.
template <class Model>
checkpoint_info load_checkpoint(const std::filesystem::path& path, Model& model, checkpoint_options o = {}) {
    checkpoint_reader r(path, std::move(o));
    const auto plan = r.plan_model(model, "");
    r.require_all_used();
    const auto info = r.info();
    r.apply(plan);
    return info;
}
template <class Model, checkpoint_optimizer Optimizer>
checkpoint_info load_checkpoint(const std::filesystem::path& path, Model& model, Optimizer& optimizer,
                                checkpoint_options o = {}) {
    checkpoint_reader r(path, std::move(o));
    const auto plan = r.plan_model(model, "");
    Optimizer staged = r.stage_optimizer(optimizer, model, "");
    r.require_all_used();
    const auto info = r.info();
    r.apply(plan);
    optimizer = std::move(staged);
    return info;
}

}  // namespace isinggan

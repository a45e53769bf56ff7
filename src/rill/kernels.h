// kernels: the few hot loops of rill — linear layers and activations.
//
// The contract every kernel keeps (what makes the bits identical on x86-64,
// WebAssembly and Cortex-M): each output out[r][j] = b[j] + Σ_k in[r][k]·W[j][k],
// summed in k order starting from the bias, one rounding per + and ×
// (-ffp-contract=off). Fast kernels vectorise across output columns j only,
// never across k, so they give exactly the bits of linear_ref.
#pragma once
#include <cstddef>

#include "rill/mlp.h"

namespace rill {

// The naive reference: W is [fout, fin] (PyTorch layout), in is n × fin.
void linear_ref(const float* in, int in_stride, int n, const float* W, const float* b, int fin, int fout,
                float* out, int out_stride);

// Packed layout for the fast kernel: W transposed to [fin][ld] with ld =
// packed_ld(fout) (fout rounded up to the vector block), zero padded.
int packed_ld(int fout);
std::size_t packed_floats(int fin, int fout);
void pack_weights(const float* W, int fin, int fout, float* packed);
// Same result as linear_ref, bit for bit. out must have room for packed_ld(fout)
// columns per row? No: exactly fout columns are written.
void linear_packed(const float* in, int in_stride, int n, const float* packed, const float* b, int fin, int fout,
                   float* out, int out_stride);

// a[i] = act(z[i]) for count values (z and a may alias).
void activate_array(Activation act, const float* z, float* a, long count);

}  // namespace rill

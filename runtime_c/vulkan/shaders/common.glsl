// Shared by every Ember compute shader (included; not a shader of its own).
//
// Bindings: 0 = the method's arena (every tensor at its planned offset), 1 = the constants
// its operators read (uploaded once at prepare), 2 = the program's state. All float32 arrays; a tensor
// reference in the push constants is an element offset into the arena, or, with
// CONST_BIT set, into the constants. Push constants: 32 uint words (128 bytes), their
// meaning per shader at the top of each file. Specialisation constant 0 (OP) picks the op
// of a shader that serves several.
//
// Every shader runs workgroups of 64 invocations along x (a multiple of the usual
// subgroup sizes: 8 on lavapipe, 16 to 64 on mobile GPUs, 32 / 64 on desktop GPUs).
// Elementwise shaders flatten their outputs over a 2-D grid of workgroups (x up to the
// device's maxComputeWorkGroupCount[0], then y) and guard the tail.
#extension GL_GOOGLE_include_directive : enable

layout(local_size_x = 64) in;

layout(std430, set = 0, binding = 0) buffer Arena { float arena[]; };
layout(std430, set = 0, binding = 1) readonly buffer Constants { float consts[]; };
// The same two buffers as 32-bit words: BOOL tensors (one byte an element, four to a
// word; every tensor starts on a word), INT32 / INT64 indices (an INT64 as two words,
// low first) and the status word.
layout(std430, set = 0, binding = 0) buffer ArenaU { uint arena_u[]; };
layout(std430, set = 0, binding = 1) readonly buffer ConstantsU { uint consts_u[]; };
// Binding 2: the program's state (schema 2.4: a KV cache), shared by the methods of one
// program on one context; a reference with STATE_BIT set is a word offset into it.
layout(std430, set = 0, binding = 2) buffer StateF { float state_f[]; };
layout(std430, set = 0, binding = 2) buffer StateU { uint state_u[]; };
layout(push_constant) uniform Push { uint u[32]; } pc;
layout(constant_id = 0) const uint OP = 0u;

const uint CONST_BIT = 0x80000000u;
const uint STATE_BIT = 0x40000000u;
const uint NONE = 0xffffffffu;

// Element i of the tensor at ref.
float ld(uint ref, uint i) {
    return (ref & CONST_BIT) != 0u ? consts[(ref & ~CONST_BIT) + i]
         : (ref & STATE_BIT) != 0u ? state_f[(ref & ~STATE_BIT) + i] : arena[ref + i];
}

// Word i of the tensor at ref.
uint ldu(uint ref, uint i) {
    return (ref & CONST_BIT) != 0u ? consts_u[(ref & ~CONST_BIT) + i]
         : (ref & STATE_BIT) != 0u ? state_u[(ref & ~STATE_BIT) + i] : arena_u[ref + i];
}

// Element i of a BOOL tensor at ref: 1 when its byte is nonzero.
uint ldb(uint ref, uint i) {
    return (ldu(ref, i >> 2) >> (8u * (i & 3u))) & 0xffu;
}

// This invocation's index over the flattened 2-D grid.
uint flat_index() {
    return (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * 64u + gl_LocalInvocationID.x;
}

// The fused activation (schema Activation: 0 none, 1 RELU, 2 RELU6); NaN passes through,
// as the C runtime's ember_activate.
float activate(float v, uint act) {
    if (act == 1u || act == 2u) v = v < 0.0 ? 0.0 : v;
    if (act == 2u) v = v > 6.0 ? 6.0 : v;
    return v;
}

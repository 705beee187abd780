/* Ember's Vulkan compute backend: run a prepared ember_method on a GPU.
 *
 * An optional module on top of libember (build: `make -C runtime_c vulkan` ->
 * build/libember_vulkan.a and build/libember_vulkan.so). It loads the Vulkan loader at run
 * time (dlopen of "libvulkan.so.1", then vkGetInstanceProcAddr and a table of the entry
 * points it uses), so neither libember nor an application that never creates a context
 * gains a dependency; building it needs the Vulkan headers and glslc (shaders are compiled
 * to SPIR-V at build time and embedded in the library).
 *
 *     ember_vk_options o;
 *     ember_vk_options_default(&o);               // best device; o.allow_cpu = 1 for lavapipe
 *     ember_vk_context *ctx;
 *     if (ember_vk_context_create(&o, &ctx) != EMBER_OK) { ... ember_vk_context_message(ctx) ... }
 *     ember_vk_method *g;                         // m: initialised by ember_method_init
 *     if (ember_vk_method_prepare(ctx, m, &g) != EMBER_OK) { ... ember_vk_context_message(ctx) ... }
 *     ember_vk_method_set_input(g, 0, EMBER_DTYPE_FLOAT32, shape, 4, x, nbytes);
 *     ember_vk_method_run(g);                     // submit the recorded commands, wait
 *     ember_vk_method_output(g, 0, &info);        // info.data: valid until the next run
 *     ember_vk_method_destroy(g);
 *     ember_vk_context_destroy(ctx, NULL, 0);
 *
 * Memory. Unlike libember, this module allocates: with malloc, its handles, the prepared
 * dispatch list and the host copies of unpacked weights during prepare (freed before
 * prepare returns); with Vulkan, the instance, device, shader modules and pipelines (owned
 * by the context, freed by ember_vk_context_destroy), and per method a device buffer for
 * the planned arena (every tensor at the offset the memory plan gives it), one for the
 * constant tensors its operators read (uploaded once at prepare), a host-visible staging
 * buffer for inputs and outputs, a descriptor pool, a command pool with one command buffer
 * recorded once at prepare, and a fence (freed by ember_vk_method_destroy). Destroy every
 * method before its context. The core library stays heap-free; the ember_method (and its
 * program) must outlive the ember_vk_method prepared from it, which reads its shapes at
 * prepare and its input and output descriptions afterwards.
 *
 * Threads: a context and its methods are used from one thread at a time.
 *
 * What runs (ember_vk_op_supported): the float32 ops of the zoo models on static shapes:
 * FULLY_CONNECTED and BATCH_MATMUL (one register-blocked GEMM shader), CONV2D (groups,
 * depthwise, stride, padding, dilation, bias, fused residual and activation), MAX/AVG_POOL2D,
 * the broadcasting binary ops (ADD, SUB, MUL, DIV, POW, MAXIMUM, MINIMUM), comparisons and
 * LOGICAL_AND/OR/NOT (BOOL outputs), WHERE, the unary ops (RELU, CLAMP, SIGMOID, TANH, GELU
 * both forms, EXP, LOG, SQRT, RSQRT, NEG, ABS, ERF, HARDSWISH, FLOOR, CEIL), SOFTMAX,
 * LAYER_NORM, REDUCE_MEAN/SUM/MAX/ANY, and the data movement of 4-byte elements (PERMUTE,
 * SLICE, EXPAND, CONCAT, PAD, GATHER with INT32 or INT64 indices, FULL, RESIZE_NEAREST,
 * RESIZE_BILINEAR), RESHAPE as a view (no dispatch). Inputs and outputs may be float32,
 * bool, int32 or int64. A method that uses any other op, an operand dtype its op does not
 * run here (int8 runs where the C runtime runs its int8 kernel: q8.comp) or dynamic sizes is refused at prepare (EMBER_ERR_UNSUPPORTED,
 * the message naming the ops); a per-operator CPU fallback may come later. Float results
 * agree with the C runtime within numpy's allclose(atol=1e-5, rtol=1e-5) (summation orders
 * and a few transcendental formulas differ; docs/gpu.md lists the per-op bounds). A GATHER
 * index out of range fails the run (EMBER_ERR_EXECUTION), as on the CPU.
 */
#ifndef EMBER_VULKAN_H
#define EMBER_VULKAN_H

#include "ember.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ember_vk_context ember_vk_context;
typedef struct ember_vk_method ember_vk_method;

typedef struct ember_vk_options {
    int32_t device_index;   /* -1: the best device (discrete > integrated > virtual > CPU);
                               otherwise that index of vkEnumeratePhysicalDevices */
    int32_t allow_cpu;      /* 1: a CPU device (lavapipe, SwiftShader) may be used */
    int32_t validation;     /* 1: enable VK_LAYER_KHRONOS_validation; every message it reports
                               (warning or error, leaked objects included) fails the call
                               during which it came (EMBER_ERR_EXECUTION) */
    const char *loader;     /* the loader to dlopen; NULL: "libvulkan.so.1" */
} ember_vk_options;

/* 1 when the backend runs op `opcode` (the schema's Opcode) in some form, else 0; needs no
 * context (tools ask it which ops of a program a GPU would run). Prepare still checks each
 * operator's dtypes and sizes. */
int32_t ember_vk_op_supported(int32_t opcode);

/* device_index -1, allow_cpu 0, validation 0, loader NULL. */
void ember_vk_options_default(ember_vk_options *options);

/* Loads the Vulkan loader, creates an instance (with the validation layer when asked) and
 * a logical device with one compute queue. *out is set whenever memory for the handle
 * could be allocated, also on failure (then it holds only the message): destroy it either
 * way. EMBER_ERR_UNSUPPORTED: no loader, no Vulkan driver (VK_ERROR_INCOMPATIBLE_DRIVER),
 * no suitable device (none with a compute queue; a CPU device without allow_cpu), the
 * validation layer asked for but not installed. EMBER_ERR_MEMORY: malloc or Vulkan out of
 * memory (*out NULL when the handle itself could not be allocated). EMBER_ERR_ARGUMENT:
 * NULL out, a device index out of range. EMBER_ERR_EXECUTION: any other Vulkan failure or
 * a validation message. */
EMBER_NODISCARD ember_status ember_vk_context_create(const ember_vk_options *options, ember_vk_context **out);

/* What the last failing call on the context (or a prepare on it) said; "" if none. */
const char *ember_vk_context_message(const ember_vk_context *ctx);

/* The chosen device's name (VkPhysicalDeviceProperties.deviceName) and type
 * ("discrete", "integrated", "virtual", "cpu", "other"); "" without a device. */
const char *ember_vk_device_name(const ember_vk_context *ctx);
const char *ember_vk_device_type(const ember_vk_context *ctx);

/* Validation messages reported since the context was created (0 without validation). */
int32_t ember_vk_validation_messages(const ember_vk_context *ctx);

/* Frees everything the context owns (destroy its methods first). With validation, the
 * layer reports objects still alive at vkDestroyDevice / vkDestroyInstance: if it reported
 * anything during the context's life, the status is EMBER_ERR_EXECUTION and the first
 * message is copied to message (of message_size bytes; NULL: not copied). NULL does nothing
 * (EMBER_OK). */
ember_status ember_vk_context_destroy(ember_vk_context *ctx, char *message, size_t message_size);

/* Prepares method (initialised by ember_method_init, not freed while *out lives) on the
 * context's device: uploads the constants its operators read (a PANELS16 weight unpacked
 * to row-major on the host, FULLY_CONNECTED weights stored transposed (K, N)), allocates
 * the arena and staging buffers, creates the pipelines it needs (once per context) and
 * records one command buffer: inputs copied into the arena, each operator's dispatch with
 * a pipeline barrier before any dispatch that reads or overwrites bytes an earlier
 * dispatch since the last barrier wrote or read, outputs copied out. On failure *out is
 * NULL and ember_vk_context_message says why: EMBER_ERR_UNSUPPORTED for ops, dtypes or
 * dynamic sizes this backend lacks (naming them) and for a method larger than the device's
 * buffer or dispatch limits; EMBER_ERR_STATE for a method that is not initialised. */
EMBER_NODISCARD ember_status ember_vk_method_prepare(ember_vk_context *ctx, const ember_method *method,
                                                     ember_vk_method **out);

/* What the last failing call on a prepared method said; "" if none. */
const char *ember_vk_method_message(const ember_vk_method *vm);

/* Number of dispatches and pipeline barriers in the recorded command buffer (tools, tests). */
int32_t ember_vk_method_dispatch_count(const ember_vk_method *vm);
int32_t ember_vk_method_barrier_count(const ember_vk_method *vm);

/* Copies input `index` into the staging buffer; dtype, rank, shape and nbytes must be the
 * method's (static shapes). An input stays set for later runs until set again. */
EMBER_NODISCARD ember_status ember_vk_method_set_input(ember_vk_method *vm, int32_t index, ember_dtype dtype,
                                                       const int64_t *shape, int32_t rank, const void *data,
                                                       size_t nbytes);

/* Submits the command buffer and waits for its fence. EMBER_ERR_INPUT if an input was
 * never set; EMBER_ERR_EXECUTION for a Vulkan failure (device lost), a validation
 * message or a GATHER index out of range (the message names the operator). */
EMBER_NODISCARD ember_status ember_vk_method_run(ember_vk_method *vm);

/* Output `index` after a run: info->data points into the mapped staging buffer, valid
 * until the next run or destroy. EMBER_ERR_STATE before the first successful run. */
EMBER_NODISCARD ember_status ember_vk_method_output(const ember_vk_method *vm, int32_t index,
                                                    ember_tensor_info *info);

/* Program state (schema 2.4: tensors with storage STATE, a language model's KV cache,
 * updated in place by INDEX_COPY). The GPU keeps it in one device buffer per program and
 * context, created by the first method prepared for that program with the program's
 * initial values (ember_program_state_init into a host staging block, then uploaded) and
 * shared by every method of the same program prepared on the same context (prefill and
 * decode see one cache), freed when the last of them is destroyed. The C runtime's state
 * block (ember_method_set_state) is neither read nor written: the two runtimes keep their
 * own. An INDEX_COPY position outside its state tensor fails the run (EMBER_ERR_EXECUTION,
 * naming the operator) with nothing written by that operator.
 *
 * reset_state: writes the initial values again (a new sequence) for every method sharing
 * it. state_size: the program's state bytes (0 without state). read_state: copies the
 * whole state block (the layout of ember_program_state_size's block) into dst of at least
 * that many bytes (tests, debugging). EMBER_OK and nothing done for a program without
 * state. */
EMBER_NODISCARD ember_status ember_vk_method_reset_state(ember_vk_method *vm);
size_t ember_vk_method_state_size(const ember_vk_method *vm);
EMBER_NODISCARD ember_status ember_vk_method_read_state(ember_vk_method *vm, void *dst, size_t bytes);

/* Frees the method's buffers, memory, pools and fence (waiting for the device first).
 * NULL does nothing. */
void ember_vk_method_destroy(ember_vk_method *vm);

#ifdef __cplusplus
}
#endif

#endif /* EMBER_VULKAN_H */

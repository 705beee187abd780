/* Internals of the Vulkan backend: the entry point table, the context and method layouts,
 * and the shader list shared by context.c (device, pipelines), prepare.c (method) and
 * ops.c (one dispatch per operator). */
#ifndef EMBER_VK_INTERNAL_H
#define EMBER_VK_INTERNAL_H

#define VK_NO_PROTOTYPES
#include <vulkan/vulkan.h>

#include "../src/handles.h"
#include "ember_vulkan.h"

/* Entry points reached through vkGetInstanceProcAddr(NULL, ...). */
#define EMBER_VK_GLOBAL_FNS(X)                                                                        \
    X(vkCreateInstance) X(vkEnumerateInstanceLayerProperties) X(vkEnumerateInstanceExtensionProperties)

/* Through vkGetInstanceProcAddr(instance, ...). */
#define EMBER_VK_INSTANCE_FNS(X)                                                                      \
    X(vkDestroyInstance) X(vkEnumeratePhysicalDevices) X(vkGetPhysicalDeviceProperties)               \
    X(vkGetPhysicalDeviceQueueFamilyProperties) X(vkGetPhysicalDeviceMemoryProperties)                \
    X(vkCreateDevice) X(vkGetDeviceProcAddr) X(vkEnumerateDeviceExtensionProperties)

/* Through vkGetDeviceProcAddr. */
#define EMBER_VK_DEVICE_FNS(X)                                                                        \
    X(vkDestroyDevice) X(vkGetDeviceQueue) X(vkCreateBuffer) X(vkDestroyBuffer)                       \
    X(vkGetBufferMemoryRequirements) X(vkAllocateMemory) X(vkFreeMemory) X(vkBindBufferMemory)        \
    X(vkMapMemory) X(vkUnmapMemory) X(vkCreateShaderModule) X(vkDestroyShaderModule)                  \
    X(vkCreateDescriptorSetLayout) X(vkDestroyDescriptorSetLayout) X(vkCreatePipelineLayout)          \
    X(vkDestroyPipelineLayout) X(vkCreateComputePipelines) X(vkDestroyPipeline)                       \
    X(vkCreateDescriptorPool) X(vkDestroyDescriptorPool) X(vkAllocateDescriptorSets)                  \
    X(vkUpdateDescriptorSets) X(vkCreateCommandPool) X(vkDestroyCommandPool)                          \
    X(vkAllocateCommandBuffers) X(vkFreeCommandBuffers) X(vkBeginCommandBuffer) X(vkEndCommandBuffer) X(vkCmdBindPipeline)    \
    X(vkCmdBindDescriptorSets) X(vkCmdPushConstants) X(vkCmdDispatch) X(vkCmdPipelineBarrier)         \
    X(vkCmdCopyBuffer) X(vkCreateFence) X(vkDestroyFence) X(vkResetFences) X(vkWaitForFences)         \
    X(vkQueueSubmit) X(vkDeviceWaitIdle) X(vkCmdFillBuffer)

#define EMBER_VK_DECLARE(name) PFN_##name name;
typedef struct ember_vk_fns {
    PFN_vkGetInstanceProcAddr vkGetInstanceProcAddr;
    EMBER_VK_GLOBAL_FNS(EMBER_VK_DECLARE)
    EMBER_VK_INSTANCE_FNS(EMBER_VK_DECLARE)
    EMBER_VK_DEVICE_FNS(EMBER_VK_DECLARE)
    PFN_vkCreateDebugUtilsMessengerEXT vkCreateDebugUtilsMessengerEXT;    /* with validation only */
    PFN_vkDestroyDebugUtilsMessengerEXT vkDestroyDebugUtilsMessengerEXT;
    PFN_vkGetPhysicalDeviceFeatures2 vkGetPhysicalDeviceFeatures2;          /* optional (int8) */
} ember_vk_fns;
#undef EMBER_VK_DECLARE

/* The shaders (shaders/<name>.comp), in the order of the generated table. */
typedef enum ember_vk_shader {
    EMBER_VK_SH_GEMM, EMBER_VK_SH_CONV2D, EMBER_VK_SH_BINARY, EMBER_VK_SH_UNARY, EMBER_VK_SH_POOL2D,
    EMBER_VK_SH_WHERE, EMBER_VK_SH_ROWS, EMBER_VK_SH_REDUCE, EMBER_VK_SH_COPY, EMBER_VK_SH_RESIZE,
    EMBER_VK_SH_Q8,                   /* int8: created only with 8-bit storage and shaderInt64 */
    EMBER_VK_SH_CAST,                 /* OP = src dtype * 8 + dst dtype */
    EMBER_VK_SHADER_COUNT
} ember_vk_shader;

/* Specialisation constant 0 of the shaders that serve several ops: the schema's opcode
 * (binary, unary, rows, reduce, resize; 256 + opcode for a second form: GELU with tanh,
 * REDUCE_ANY of BOOL), these for pool2d, copy.comp's OP 0..4 (strided, concat, pad,
 * gather, full) and gemm.comp's b layout (0 (K, N), 1 (N, K)). */
enum { EMBER_VK_POOL_MAX = 0, EMBER_VK_POOL_AVG = 1 };

/* q8.comp's OP (its header documents each form's push constants). An int8 operator's
 * quantization is a block in the constants: EMBER_VK_QHEAD words (input zero points 0 and
 * 1, the output's, act_min, act_max, left_shift, fill, n) then n (multiplier, shift). */
enum { EMBER_VK_Q8_QUANTIZE, EMBER_VK_Q8_DEQUANTIZE, EMBER_VK_Q8_CONV2D, EMBER_VK_Q8_FC, EMBER_VK_Q8_BMM,
       EMBER_VK_Q8_ADD_SUB, EMBER_VK_Q8_MUL, EMBER_VK_Q8_LOOKUP, EMBER_VK_Q8_MAX_POOL, EMBER_VK_Q8_AVG_POOL,
       EMBER_VK_Q8_MEAN, EMBER_VK_Q8_CONCAT, EMBER_VK_Q8_SOFTMAX, EMBER_VK_Q8_STRIDED, EMBER_VK_Q8_PAD,
       EMBER_VK_Q8_GATHER };
#define EMBER_VK_QHEAD 8
/* copy.comp's OP of INDEX_COPY */
#define EMBER_VK_COPY_INDEX 5u

/* Push constants: 32 uint32 words (128 bytes, the minimum every device offers). A tensor
 * reference is an element offset into the arena buffer, or with EMBER_VK_CONST_BIT set an
 * element offset into the constants buffer; EMBER_VK_NONE for an absent operand. */
#define EMBER_VK_PUSH_WORDS 32
#define EMBER_VK_CONST_BIT 0x80000000u
#define EMBER_VK_STATE_BIT 0x40000000u  /* a word offset into the program's state (binding 2) */
#define EMBER_VK_MAX_STATES 16         /* programs with state per context */
#define EMBER_VK_NONE 0xffffffffu
#define EMBER_VK_GROUP 64             /* every shader's workgroup: 64 invocations along x */
#define EMBER_VK_MAX_PIPELINES 128

/* A device buffer with its memory; map: the host pointer of a host-visible one. */
typedef struct ember_vk_buffer {
    VkBuffer buffer;
    VkDeviceMemory memory;
    VkDeviceSize size;
    void *map;
} ember_vk_buffer;

/* The state of one program on a context (schema 2.4), shared by its prepared methods:
 * created by the first, freed when the last is destroyed (or with the context). */
typedef struct ember_vk_state {
    const ember_program *program;
    ember_vk_buffer buffer;
    int32_t users;
} ember_vk_state;

typedef struct ember_vk_pipeline {
    ember_vk_shader shader;
    uint32_t spec;                    /* specialisation constant 0 */
    VkPipeline pipeline;
} ember_vk_pipeline;

struct ember_vk_context {
    ember_vk_fns vk;
    void *loader;                     /* dlopen handle */
    VkInstance instance;
    VkDebugUtilsMessengerEXT messenger;
    VkPhysicalDevice physical;
    VkPhysicalDeviceProperties props;
    VkPhysicalDeviceMemoryProperties memory;
    VkDevice device;
    VkQueue queue;
    uint32_t queue_family;
    VkDescriptorSetLayout set_layout; /* binding 0: arena, binding 1: constants */
    VkPipelineLayout layout;          /* that set + 128 bytes of push constants */
    VkShaderModule modules[EMBER_VK_SHADER_COUNT];
    ember_vk_pipeline pipelines[EMBER_VK_MAX_PIPELINES];
    int32_t n_pipelines;
    int32_t ready;                    /* created successfully */
    int32_t int8;                     /* 8-bit storage and shaderInt64 enabled: q8.comp runs */
    char int8_missing[96];            /* else which of them the device lacks */
    ember_vk_state states[EMBER_VK_MAX_STATES];
    int32_t n_states;
    int32_t validation_count;         /* messages from the validation layer */
    char validation_first[EMBER_MESSAGE_BYTES], validation_last[EMBER_MESSAGE_BYTES];
    char message[EMBER_MESSAGE_BYTES];
};

/* One compute dispatch of a prepared method: its pipeline, push constants, workgroup grid
 * and the arena element ranges it reads and writes (for the barriers). */
typedef struct ember_vk_dispatch {
    int32_t op;                       /* operator index */
    VkPipeline pipeline;
    uint32_t push[EMBER_VK_PUSH_WORDS];
    uint32_t groups[3];
    uint64_t read_lo[EMBER_MAX_OP_INPUTS], read_hi[EMBER_MAX_OP_INPUTS];   /* arena bytes [lo, hi) */
    int32_t n_reads;
    uint64_t write_lo, write_hi;
    int32_t disjoint;                 /* writes elements no other dispatch of its op writes */
} ember_vk_dispatch;


typedef struct ember_vk_io {
    uint32_t ref;                     /* where the tensor lives (EMBER_VK_CONST_BIT: constants) */
    uint64_t staging;                 /* its byte offset in the staging buffer */
    uint64_t nbytes;
    int32_t tensor;                   /* index into method->tensors */
    int32_t set;                      /* inputs: set at least once */
} ember_vk_io;

struct ember_vk_method {
    ember_vk_context *ctx;
    const ember_method *method;
    ember_vk_buffer arena, constants, staging;
    VkDescriptorPool pool;
    VkDescriptorSet set;
    VkCommandPool commands;
    VkCommandBuffer cmd;
    VkFence fence;
    ember_vk_io *inputs, *outputs;
    uint32_t status_word;             /* arena word after the plan: a failing op's index (GATHER) */
    uint64_t status_staging;          /* where the run copies it in the staging buffer */
    int32_t n_inputs, n_outputs;
    int32_t n_dispatches, n_barriers;
    int32_t ran;                      /* a run succeeded since prepare */
    int32_t state;                    /* its program's slot in ctx->states, -1: no state */
    ember_vk_buffer no_state;         /* bound as binding 2 when the program has none */
    char message[EMBER_MESSAGE_BYTES];
};

/* context.c */
ember_status ember_vk_fail(char *message, ember_status s, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
const char *ember_vk_result_str(VkResult r);
/* The status of a failed VkResult: out of memory -> EMBER_ERR_MEMORY, else EXECUTION. */
ember_status ember_vk_status(VkResult r);
/* The pipeline of (shader, spec), created on first use; *out VK_NULL_HANDLE on failure
 * (ctx->message says why). */
ember_status ember_vk_pipeline_get(ember_vk_context *ctx, ember_vk_shader shader, uint32_t spec, VkPipeline *out);
/* EMBER_ERR_EXECUTION with the last validation message when the layer reported
 * anything since `before` (ctx->validation_count then); else EMBER_OK. */
ember_status ember_vk_check_validation(ember_vk_context *ctx, int32_t before, char *message);
/* A buffer of `size` bytes (at least 16) with `usage`, in memory with the `want` property
 * flags (and, if possible, `prefer` too); mapped when host-visible. */
ember_status ember_vk_buffer_create(ember_vk_context *ctx, VkDeviceSize size, VkBufferUsageFlags usage,
                                    VkMemoryPropertyFlags want, VkMemoryPropertyFlags prefer, ember_vk_buffer *b,
                                    char *message);
void ember_vk_buffer_destroy(ember_vk_context *ctx, ember_vk_buffer *b);

/* ops.c. ember_vk_op_check: operator k's operand dtypes are ones the backend runs for its op
 * (else EMBER_ERR_UNSUPPORTED naming them). ember_vk_op_dispatches: the most dispatches
 * operator k records (0 for a view, RESHAPE; one per input for CONCAT; else 1).
 * ember_vk_op_dispatch: the dispatches of operator k into d[0 ..] (at most capacity; each
 * with its pipeline), their count in *dispatches (0 for a view or an empty output), or
 * EMBER_ERR_UNSUPPORTED. refs[t]: tensor t's reference (EMBER_VK_NONE where not placed);
 * status_word: the arena word a failing GATHER marks. */
ember_status ember_vk_op_check(const ember_method *m, int32_t k, char *message);
int32_t ember_vk_op_dispatches(const ember_method *m, int32_t k);
ember_status ember_vk_op_dispatch(ember_vk_context *ctx, const ember_method *m, int32_t k, const uint32_t *refs,
                                  uint32_t qref, uint32_t status_word, ember_vk_dispatch *d, int32_t capacity,
                                  int32_t *dispatches, char *message);
/* 1: operator k runs its int8 kernel (a quantized INT8 output, as the C runtime chooses);
 * 2: INT8 data movement; 3: QUANTIZE / DEQUANTIZE; 0: otherwise. qref (ember_vk_op_dispatch):
 * the word offset of its quantization block in the constants (EMBER_VK_QHEAD + 2n words). */
int32_t ember_vk_q8_kind(const ember_method *m, int32_t k);

#endif /* EMBER_VK_INTERNAL_H */

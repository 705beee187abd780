/* A method on the device: what it needs checked, its constants uploaded, its arena and
 * staging buffers, one command buffer recorded once; then inputs, runs and outputs. */
#include <stdio.h>
#include <stdlib.h>

#include "vk_internal.h"

#define TRY(expr) do { ember_status s_ = (expr); if (s_ != EMBER_OK) return s_; } while (0)

/* ---- what the backend runs ------------------------------------------------------- */
/* Every op supported (else the distinct names of the others), operand dtypes the op runs
 * (ember_vk_op_check), one output, static shapes, sizes that 32-bit shader indices reach. */
static ember_status check_method(const ember_method *m, char *message) {
    char names[EMBER_MESSAGE_BYTES] = "";
    size_t used = 0;
    int32_t missing = 0;
    for (int32_t k = 0; k < m->n_nodes; k++) {
        const ember_node *n = &m->nodes[k];
        if (ember_vk_op_supported(n->opcode)) continue;
        const char *name = ember_opcode_name(n->opcode);
        int seen = 0;
        for (int32_t j = 0; j < k && !seen; j++) seen = m->nodes[j].opcode == n->opcode;
        if (seen) continue;
        missing++;
        int w = snprintf(names + used, sizeof names - used, "%s%s", used ? ", " : "", name);
        if (w > 0) used = used + (size_t)w < sizeof names ? used + (size_t)w : sizeof names - 1;
    }
    if (missing > 0)
        return ember_vk_fail(message, EMBER_ERR_UNSUPPORTED, "the Vulkan backend does not run op%s %.170s (a per-operator "
                             "CPU fallback may come later)", missing > 1 ? "s" : "", names);
    if (m->n_symbols > 0)
        return ember_vk_fail(message, EMBER_ERR_UNSUPPORTED, "the method has %d dynamic size(s): the Vulkan backend runs "
                             "static shapes only (export without dynamic dimensions)", (int)m->n_symbols);
    for (int32_t k = 0; k < m->n_nodes; k++) {
        const ember_node *n = &m->nodes[k];
        const int32_t *idx = m->indices + n->first;
        if (n->n_out != 1)
            return ember_vk_fail(message, EMBER_ERR_UNSUPPORTED, "operator %d (%s) has %d outputs", (int)k,
                                 ember_opcode_name(n->opcode), (int)n->n_out);
        TRY(ember_vk_op_check(m, k, message));
        for (int32_t i = 0; i < n->n_in + n->n_out; i++) {
            if (idx[i] < 0) continue;
            const ember_tensor *t = &m->tensors[idx[i]];
            if (t->count >= INT32_MAX / 8)
                return ember_vk_fail(message, EMBER_ERR_UNSUPPORTED, "operator %d (%s): a tensor of %lld elements, more "
                                     "than this backend indexes", (int)k, ember_opcode_name(n->opcode),
                                     (long long)t->count);
            int fc_weight = n->opcode == EMBER_OPCODE_FULLY_CONNECTED && i == 1;
            if (t->layout != EMBER_LAYOUT_ROW_MAJOR && !(fc_weight && t->layout == EMBER_LAYOUT_PANELS16))
                return ember_vk_fail(message, EMBER_ERR_UNSUPPORTED, "operator %d (%s): operand %d has layout %d",
                                     (int)k, ember_opcode_name(n->opcode), (int)i, (int)t->layout);
        }
        if (m->tensors[idx[n->n_in]].storage != EMBER_STORAGE_ARENA && n->opcode != EMBER_OPCODE_INDEX_COPY)
            return ember_vk_fail(message, EMBER_ERR_UNSUPPORTED, "operator %d (%s) writes a tensor outside the arena",
                                 (int)k, ember_opcode_name(n->opcode));
    }
    for (int32_t i = 0; i < m->n_inputs + m->n_outputs; i++) {
        const ember_tensor *t = &m->tensors[m->indices[i]];
        if (t->dtype != EMBER_DTYPE_FLOAT32 && t->dtype != EMBER_DTYPE_BOOL && t->dtype != EMBER_DTYPE_INT32 &&
            t->dtype != EMBER_DTYPE_INT64)
            return ember_vk_fail(message, EMBER_ERR_UNSUPPORTED, "method %s %d has dtype %d; the Vulkan backend takes "
                                 "and gives float32, bool, int32 and int64 tensors (int8 comes later)",
                                 i < m->n_inputs ? "input" : "output", (int)(i < m->n_inputs ? i : i - m->n_inputs),
                                 (int)t->dtype);
        if (i < m->n_inputs && t->storage != EMBER_STORAGE_ARENA)
            return ember_vk_fail(message, EMBER_ERR_UNSUPPORTED, "method input %d is not in the arena", (int)i);
    }
    return EMBER_OK;
}

/* A tensor's bytes. */
static uint64_t tensor_bytes(const ember_tensor *t) {
    return (uint64_t)t->count * ember_dtype_size((ember_dtype)t->dtype);
}

/* ---- constants ---------------------------------------------------------------------- */
/* Where each constant an operator reads goes in the constants buffer: refs[t] for its
 * plain copy, trefs[t] for the transposed (K, N) copy of a FULLY_CONNECTED weight; each
 * 16-byte aligned. Arena tensors get their planned offset; a RESHAPE output its input's
 * reference (a view). Returns the constants' total bytes in *bytes. */
static ember_status place(const ember_method *m, uint32_t *refs, uint32_t *trefs, uint32_t *qrefs, uint64_t *bytes,
                          char *message) {
    uint64_t at = 0;
    for (int32_t t = 0; t < m->n_tensors; t++) {
        const ember_tensor *x = &m->tensors[t];
        refs[t] = trefs[t] = EMBER_VK_NONE;
        if (x->storage == EMBER_STORAGE_STATE) {   /* in the program's state buffer (binding 2) */
            if (x->state_offset % 4 != 0 || x->state_offset / 4 >= EMBER_VK_STATE_BIT)
                return ember_vk_fail(message, EMBER_ERR_UNSUPPORTED, "state tensor %d at offset %llu: not a word "
                                     "offset this backend addresses", (int)t, (unsigned long long)x->state_offset);
            refs[t] = (uint32_t)(x->state_offset / 4) | EMBER_VK_STATE_BIT;
            continue;
        }
        if (x->storage != EMBER_STORAGE_ARENA) continue;
        uint64_t off = (uint64_t)((const uint8_t *)x->home - m->arena);
        if (off % 4 != 0 || off / 4 >= EMBER_VK_STATE_BIT)
            return ember_vk_fail(message, EMBER_ERR_UNSUPPORTED, "tensor %d at arena offset %llu: not a float offset "
                                 "this backend addresses", (int)t, (unsigned long long)off);
        refs[t] = (uint32_t)(off / 4);
    }
    for (int32_t k = 0; k < m->n_nodes; k++) {
        const ember_node *n = &m->nodes[k];
        const int32_t *idx = m->indices + n->first;
        for (int32_t i = 0; i < n->n_in; i++) {
            if (idx[i] < 0) continue;
            const ember_tensor *x = &m->tensors[idx[i]];
            if (x->storage != EMBER_STORAGE_CONSTANT) continue;
            int transposed = n->opcode == EMBER_OPCODE_FULLY_CONNECTED && i == 1 && x->dtype == EMBER_DTYPE_FLOAT32;
            uint32_t *slot = transposed ? &trefs[idx[i]] : &refs[idx[i]];
            if (*slot != EMBER_VK_NONE) continue;
            if (at / 4 >= EMBER_VK_CONST_BIT)
                return ember_vk_fail(message, EMBER_ERR_UNSUPPORTED, "constants past 2^31 floats");
            *slot = (uint32_t)(at / 4) | EMBER_VK_CONST_BIT;
            at += (tensor_bytes(x) + 15) / 16 * 16;
        }
        if (n->opcode == EMBER_OPCODE_RESHAPE && n->n_in >= 1 && idx[0] >= 0) refs[idx[n->n_in]] = refs[idx[0]];
    }
    for (int32_t k = 0; k < m->n_nodes; k++) {   /* each int8 operator's quantization block */
        const ember_node *n = &m->nodes[k];
        qrefs[k] = EMBER_VK_NONE;
        if (ember_vk_q8_kind(m, k) != 1 || !n->quant.present) continue;
        if (n->quant.n < 0 || n->quant.n > (1 << 24))
            return ember_vk_fail(message, EMBER_ERR_UNSUPPORTED, "operator %d: %d multipliers", (int)k, (int)n->quant.n);
        qrefs[k] = (uint32_t)(at / 4);
        at += ((uint64_t)(EMBER_VK_QHEAD + 2 * n->quant.n) * 4 + 15) / 16 * 16;
        if (at / 4 >= EMBER_VK_CONST_BIT)
            return ember_vk_fail(message, EMBER_ERR_UNSUPPORTED, "constants past 2^31 floats");
    }
    for (int32_t i = 0; i < m->n_outputs; i++) {   /* an output that is a constant (or its view) */
        int32_t t = m->indices[m->n_inputs + i];
        if (refs[t] == EMBER_VK_NONE) {
            refs[t] = (uint32_t)(at / 4) | EMBER_VK_CONST_BIT;
            at += (tensor_bytes(&m->tensors[t]) + 15) / 16 * 16;
        }
    }
    if (at / 4 >= EMBER_VK_CONST_BIT)
        return ember_vk_fail(message, EMBER_ERR_UNSUPPORTED, "constants past 2^31 floats");
    *bytes = at;
    return EMBER_OK;
}

/* Element (row, col) of a FULLY_CONNECTED weight (N, K) as stored (row-major or PANELS16). */
static float weight_at(const ember_tensor *w, int64_t row, int64_t col) {
    const float *d = (const float *)w->data;
    int64_t n = w->shape[0], k = w->shape[1], full = n - n % 16;
    if (w->layout == EMBER_LAYOUT_PANELS16 && row < full) return d[(row / 16) * 16 * k + col * 16 + row % 16];
    return d[row * k + col];
}

/* The zero point of operand i of node n when it is a quantized INT8, else 0. */
static int32_t zero_point(const ember_method *m, const ember_node *n, int32_t i) {
    int32_t t = i < n->n_in ? m->indices[n->first + i] : -1;
    if (t < 0) return 0;
    const ember_tensor *x = &m->tensors[t];
    return x->dtype == EMBER_DTYPE_INT8 && x->quantized ? x->zero_point : 0;
}

/* The constants into a mapped host buffer at their places. */
static void fill_constants(const ember_method *m, const uint32_t *refs, const uint32_t *trefs, const uint32_t *qrefs,
                           uint8_t *dst) {
    for (int32_t k = 0; k < m->n_nodes; k++) {
        const ember_node *n = &m->nodes[k];
        if (qrefs[k] == EMBER_VK_NONE) continue;
        const ember_tensor *y = &m->tensors[m->indices[n->first + n->n_in]];
        int32_t head[EMBER_VK_QHEAD] = {zero_point(m, n, 0), zero_point(m, n, 1), y->zero_point, n->quant.act_min,
                                        n->quant.act_max, n->quant.left_shift, n->quant.fill, n->quant.n};
        uint8_t *q = dst + (size_t)qrefs[k] * 4;
        memcpy(q, head, sizeof head);
        for (int32_t i = 0; i < n->quant.n; i++) {
            int32_t pair[2] = {ember_q_at(n->quant.multiplier, i), ember_q_shift(&n->quant, i)};
            memcpy(q + sizeof head + (size_t)i * sizeof pair, pair, sizeof pair);
        }
    }
    for (int32_t t = 0; t < m->n_tensors; t++) {
        const ember_tensor *x = &m->tensors[t];
        if (x->storage != EMBER_STORAGE_CONSTANT) continue;
        if (refs[t] != EMBER_VK_NONE && (refs[t] & EMBER_VK_CONST_BIT)) {
            float *out = (float *)(void *)(dst + (size_t)(refs[t] & ~EMBER_VK_CONST_BIT) * 4);
            if (x->layout == EMBER_LAYOUT_PANELS16 && x->rank == 2 && x->dtype == EMBER_DTYPE_FLOAT32) {   /* unpacked */
                for (int64_t r = 0; r < x->shape[0]; r++)
                    for (int64_t c = 0; c < x->shape[1]; c++) out[r * x->shape[1] + c] = weight_at(x, r, c);
            } else {
                memcpy(out, x->data, (size_t)tensor_bytes(x));
            }
        }
        if (trefs[t] != EMBER_VK_NONE && x->rank == 2 && x->dtype == EMBER_DTYPE_FLOAT32) {   /* (N, K) -> (K, N) */
            float *out = (float *)(void *)(dst + (size_t)(trefs[t] & ~EMBER_VK_CONST_BIT) * 4);
            int64_t n = x->shape[0], k = x->shape[1];
            for (int64_t r = 0; r < n; r++)
                for (int64_t c = 0; c < k; c++) out[c * n + r] = weight_at(x, r, c);
        }
    }
}

/* ---- recording ---------------------------------------------------------------------- */
static void barrier(ember_vk_method *vm, VkPipelineStageFlags src, VkAccessFlags src_access, VkPipelineStageFlags dst,
                    VkAccessFlags dst_access) {
    VkMemoryBarrier b;
    memset(&b, 0, sizeof b);
    b.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER;
    b.srcAccessMask = src_access;
    b.dstAccessMask = dst_access;
    vm->ctx->vk.vkCmdPipelineBarrier(vm->cmd, src, dst, 0, 1, &b, 0, NULL, 0, NULL);
    vm->n_barriers++;
}

static int overlap(uint64_t a0, uint64_t a1, uint64_t b0, uint64_t b1) { return a0 < b1 && b0 < a1; }

/* Dispatch d reads or writes bytes that a dispatch since the last barrier (first .. d - 1)
 * wrote, or writes bytes one of them read. */
static int hazard(const ember_vk_dispatch *list, int32_t first, int32_t d) {
    const ember_vk_dispatch *b = &list[d];
    for (int32_t j = first; j < d; j++) {
        const ember_vk_dispatch *a = &list[j];
        int apart = a->op == b->op && a->disjoint && b->disjoint;   /* CONCAT's inputs into one output */
        if (!apart && overlap(a->write_lo, a->write_hi, b->write_lo, b->write_hi)) return 1;
        for (int32_t r = 0; r < b->n_reads; r++)
            if (overlap(a->write_lo, a->write_hi, b->read_lo[r], b->read_hi[r])) return 1;
        for (int32_t r = 0; r < a->n_reads; r++)
            if (overlap(a->read_lo[r], a->read_hi[r], b->write_lo, b->write_hi)) return 1;
    }
    return 0;
}

static ember_status copy_regions(ember_vk_method *vm, const ember_vk_io *io, int32_t n, int to_staging, int constants) {
    VkBufferCopy *regions = (VkBufferCopy *)calloc((size_t)(n > 0 ? n : 1), sizeof *regions);
    if (regions == NULL) return ember_vk_fail(vm->ctx->message, EMBER_ERR_MEMORY, "out of host memory");
    uint32_t count = 0;
    for (int32_t i = 0; i < n; i++) {
        if (io[i].nbytes == 0 || ((io[i].ref & EMBER_VK_CONST_BIT) != 0) != (constants != 0)) continue;
        uint64_t dev = (uint64_t)(io[i].ref & ~EMBER_VK_CONST_BIT) * 4;
        regions[count].srcOffset = to_staging ? dev : io[i].staging;
        regions[count].dstOffset = to_staging ? io[i].staging : dev;
        regions[count].size = io[i].nbytes;
        count++;
    }
    VkBuffer device = constants ? vm->constants.buffer : vm->arena.buffer;
    if (count > 0)
        vm->ctx->vk.vkCmdCopyBuffer(vm->cmd, to_staging ? device : vm->staging.buffer,
                                    to_staging ? vm->staging.buffer : device, count, regions);
    free(regions);
    return EMBER_OK;
}

static ember_status record(ember_vk_method *vm, const ember_vk_dispatch *list, int32_t n) {
    ember_vk_context *ctx = vm->ctx;
    VkCommandBufferBeginInfo begin;
    memset(&begin, 0, sizeof begin);
    begin.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO;
    VkResult r = ctx->vk.vkBeginCommandBuffer(vm->cmd, &begin);
    if (r != VK_SUCCESS)
        return ember_vk_fail(ctx->message, ember_vk_status(r), "vkBeginCommandBuffer: %s", ember_vk_result_str(r));
    /* the previous run's dispatches and copies before this run's input copies */
    barrier(vm, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
            VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT,
            VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT);
    TRY(copy_regions(vm, vm->inputs, vm->n_inputs, 0, 0));
    ctx->vk.vkCmdFillBuffer(vm->cmd, vm->arena.buffer, (VkDeviceSize)vm->status_word * 4, 4, 0xffffffffu);
    barrier(vm, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
            VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
    ctx->vk.vkCmdBindDescriptorSets(vm->cmd, VK_PIPELINE_BIND_POINT_COMPUTE, ctx->layout, 0, 1, &vm->set, 0, NULL);
    VkPipeline bound = VK_NULL_HANDLE;
    int32_t since = 0;   /* the first dispatch after the last barrier */
    for (int32_t d = 0; d < n; d++) {
        if (hazard(list, since, d)) {
            barrier(vm, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
                    VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
            since = d;
        }
        if (list[d].pipeline != bound) {
            ctx->vk.vkCmdBindPipeline(vm->cmd, VK_PIPELINE_BIND_POINT_COMPUTE, list[d].pipeline);
            bound = list[d].pipeline;
        }
        ctx->vk.vkCmdPushConstants(vm->cmd, ctx->layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, EMBER_VK_PUSH_WORDS * 4,
                                   list[d].push);
        ctx->vk.vkCmdDispatch(vm->cmd, list[d].groups[0], list[d].groups[1], list[d].groups[2]);
        vm->n_dispatches++;
    }
    barrier(vm, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
            VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT,
            VK_ACCESS_TRANSFER_READ_BIT);
    TRY(copy_regions(vm, vm->outputs, vm->n_outputs, 1, 0));
    TRY(copy_regions(vm, vm->outputs, vm->n_outputs, 1, 1));
    VkBufferCopy status = {(VkDeviceSize)vm->status_word * 4, vm->status_staging, 4};
    ctx->vk.vkCmdCopyBuffer(vm->cmd, vm->arena.buffer, vm->staging.buffer, 1, &status);
    barrier(vm, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT, VK_PIPELINE_STAGE_HOST_BIT,
            VK_ACCESS_HOST_READ_BIT);
    r = ctx->vk.vkEndCommandBuffer(vm->cmd);
    if (r != VK_SUCCESS)
        return ember_vk_fail(ctx->message, ember_vk_status(r), "vkEndCommandBuffer: %s", ember_vk_result_str(r));
    return EMBER_OK;
}

/* Submits cmd and waits for the fence. */
static ember_status submit(ember_vk_context *ctx, VkCommandBuffer cmd, VkFence fence, char *message) {
    VkResult r = ctx->vk.vkResetFences(ctx->device, 1, &fence);
    if (r != VK_SUCCESS) return ember_vk_fail(message, ember_vk_status(r), "vkResetFences: %s", ember_vk_result_str(r));
    VkSubmitInfo si;
    memset(&si, 0, sizeof si);
    si.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO;
    si.commandBufferCount = 1;
    si.pCommandBuffers = &cmd;
    r = ctx->vk.vkQueueSubmit(ctx->queue, 1, &si, fence);
    if (r != VK_SUCCESS) return ember_vk_fail(message, ember_vk_status(r), "vkQueueSubmit: %s", ember_vk_result_str(r));
    r = ctx->vk.vkWaitForFences(ctx->device, 1, &fence, VK_TRUE, UINT64_MAX);
    if (r != VK_SUCCESS) return ember_vk_fail(message, ember_vk_status(r), "vkWaitForFences: %s", ember_vk_result_str(r));
    return EMBER_OK;
}

/* The constants through a temporary staging buffer and a one-time command buffer. */
static ember_status upload(ember_vk_method *vm, const uint32_t *refs, const uint32_t *trefs, const uint32_t *qrefs,
                           uint64_t bytes) {
    ember_vk_context *ctx = vm->ctx;
    ember_vk_buffer tmp;
    VkCommandBuffer cmd = VK_NULL_HANDLE;
    ember_status s = ember_vk_buffer_create(ctx, bytes, VK_BUFFER_USAGE_TRANSFER_SRC_BIT,
                                            VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT, 0,
                                            &tmp, ctx->message);
    if (s == EMBER_OK && tmp.map == NULL) s = ember_vk_fail(ctx->message, EMBER_ERR_EXECUTION, "staging not mapped");
    if (s == EMBER_OK) {
        memset(tmp.map, 0, (size_t)tmp.size);
        fill_constants(vm->method, refs, trefs, qrefs, (uint8_t *)tmp.map);
        VkCommandBufferAllocateInfo ai;
        memset(&ai, 0, sizeof ai);
        ai.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO;
        ai.commandPool = vm->commands;
        ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
        ai.commandBufferCount = 1;
        VkResult r = ctx->vk.vkAllocateCommandBuffers(ctx->device, &ai, &cmd);
        if (r != VK_SUCCESS) {
            cmd = VK_NULL_HANDLE;
            s = ember_vk_fail(ctx->message, ember_vk_status(r), "vkAllocateCommandBuffers: %s", ember_vk_result_str(r));
        }
    }
    if (s == EMBER_OK) {
        VkCommandBufferBeginInfo begin;
        memset(&begin, 0, sizeof begin);
        begin.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO;
        begin.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
        VkBufferCopy region = {0, 0, tmp.size < vm->constants.size ? tmp.size : vm->constants.size};
        VkResult r = ctx->vk.vkBeginCommandBuffer(cmd, &begin);
        if (r == VK_SUCCESS) {
            ctx->vk.vkCmdCopyBuffer(cmd, tmp.buffer, vm->constants.buffer, 1, &region);
            VkMemoryBarrier b;
            memset(&b, 0, sizeof b);
            b.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER;
            b.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
            b.dstAccessMask = VK_ACCESS_SHADER_READ_BIT;
            ctx->vk.vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 1,
                                         &b, 0, NULL, 0, NULL);
            r = ctx->vk.vkEndCommandBuffer(cmd);
        }
        if (r != VK_SUCCESS)
            s = ember_vk_fail(ctx->message, ember_vk_status(r), "recording the constant upload: %s",
                              ember_vk_result_str(r));
    }
    if (s == EMBER_OK) s = submit(ctx, cmd, vm->fence, ctx->message);
    if (cmd != VK_NULL_HANDLE) ctx->vk.vkFreeCommandBuffers(ctx->device, vm->commands, 1, &cmd);
    ember_vk_buffer_destroy(ctx, &tmp);
    return s;
}

/* ---- program state (schema 2.4) ---------------------------------------------------------- */
/* Copies `bytes` from src to dst (offsets 0) with a one-time command buffer, waiting. */
static ember_status transfer(ember_vk_method *vm, VkBuffer src, VkBuffer dst, VkDeviceSize bytes, char *message) {
    ember_vk_context *ctx = vm->ctx;
    VkCommandBuffer cmd = VK_NULL_HANDLE;
    VkCommandBufferAllocateInfo ai;
    memset(&ai, 0, sizeof ai);
    ai.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO;
    ai.commandPool = vm->commands;
    ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    ai.commandBufferCount = 1;
    VkResult r = ctx->vk.vkAllocateCommandBuffers(ctx->device, &ai, &cmd);
    if (r != VK_SUCCESS)
        return ember_vk_fail(message, ember_vk_status(r), "vkAllocateCommandBuffers: %s", ember_vk_result_str(r));
    VkCommandBufferBeginInfo begin;
    memset(&begin, 0, sizeof begin);
    begin.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO;
    begin.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
    r = ctx->vk.vkBeginCommandBuffer(cmd, &begin);
    if (r == VK_SUCCESS) {
        VkBufferCopy region = {0, 0, bytes};
        VkMemoryBarrier b;
        memset(&b, 0, sizeof b);
        b.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER;
        b.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT | VK_ACCESS_HOST_WRITE_BIT;
        b.dstAccessMask = VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
        ctx->vk.vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT |
                                     VK_PIPELINE_STAGE_HOST_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT, 0, 1, &b, 0, NULL, 0, NULL);
        ctx->vk.vkCmdCopyBuffer(cmd, src, dst, 1, &region);
        b.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
        b.dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_HOST_READ_BIT;
        ctx->vk.vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT |
                                     VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &b, 0, NULL, 0, NULL);
        r = ctx->vk.vkEndCommandBuffer(cmd);
    }
    ember_status s = r == VK_SUCCESS ? submit(ctx, cmd, vm->fence, message)
                                     : ember_vk_fail(message, ember_vk_status(r), "recording a copy: %s",
                                                     ember_vk_result_str(r));
    ctx->vk.vkFreeCommandBuffers(ctx->device, vm->commands, 1, &cmd);
    return s;
}

/* The program's initial state (ember_program_state_init into a host-visible block), copied
 * into the state buffer. */
static ember_status upload_state(ember_vk_method *vm, char *message) {
    ember_vk_context *ctx = vm->ctx;
    const ember_program *prog = vm->method->program;
    ember_vk_buffer *state = &ctx->states[vm->state].buffer;
    ember_vk_buffer tmp;
    ember_status s = ember_vk_buffer_create(ctx, prog->state_size, VK_BUFFER_USAGE_TRANSFER_SRC_BIT,
                                            VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT, 0,
                                            &tmp, message);
    if (s == EMBER_OK && (tmp.map == NULL || (uintptr_t)tmp.map % EMBER_ALIGNMENT != 0))
        s = ember_vk_fail(message, EMBER_ERR_EXECUTION, "the state staging buffer is not mapped %d-byte aligned",
                          EMBER_ALIGNMENT);
    if (s == EMBER_OK && ember_program_state_init(prog, tmp.map, (size_t)tmp.size) != EMBER_OK)
        s = ember_vk_fail(message, EMBER_ERR_STATE, "ember_program_state_init failed");
    if (s == EMBER_OK) s = transfer(vm, tmp.buffer, state->buffer, prog->state_size, message);
    ember_vk_buffer_destroy(ctx, &tmp);
    return s;
}

/* The method's program's state on the context: the one its other methods use, or a new
 * buffer set to the initial values. Without state, a 16-byte buffer for binding 2. */
static ember_status attach_state(ember_vk_method *vm) {
    ember_vk_context *ctx = vm->ctx;
    const ember_program *prog = vm->method->program;
    VkBufferUsageFlags usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
                               VK_BUFFER_USAGE_TRANSFER_DST_BIT;
    if (prog->state_size == 0)
        return ember_vk_buffer_create(ctx, 16, usage, 0, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT, &vm->no_state,
                                      ctx->message);
    if (prog->state_size > ctx->props.limits.maxStorageBufferRange || prog->state_size / 4 >= EMBER_VK_STATE_BIT)
        return ember_vk_fail(ctx->message, EMBER_ERR_UNSUPPORTED, "the program's state (%llu bytes) exceeds the "
                             "device's storage buffer limit", (unsigned long long)prog->state_size);
    for (int32_t i = 0; i < ctx->n_states; i++)
        if (ctx->states[i].program == prog && ctx->states[i].users > 0) {
            vm->state = i;
            ctx->states[i].users++;
            return EMBER_OK;
        }
    int32_t slot = -1;
    for (int32_t i = 0; i < ctx->n_states && slot < 0; i++)
        if (ctx->states[i].users == 0) slot = i;
    if (slot < 0) {
        if (ctx->n_states >= EMBER_VK_MAX_STATES)
            return ember_vk_fail(ctx->message, EMBER_ERR_UNSUPPORTED, "more than %d programs with state on one "
                                 "context", EMBER_VK_MAX_STATES);
        slot = ctx->n_states++;
    }
    memset(&ctx->states[slot], 0, sizeof ctx->states[slot]);
    TRY(ember_vk_buffer_create(ctx, prog->state_size, usage, 0, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT,
                               &ctx->states[slot].buffer, ctx->message));
    ctx->states[slot].program = prog;
    ctx->states[slot].users = 1;
    vm->state = slot;
    return upload_state(vm, ctx->message);
}

ember_status ember_vk_method_reset_state(ember_vk_method *vm) {
    if (vm == NULL) return EMBER_ERR_ARGUMENT;
    if (vm->state < 0) return EMBER_OK;
    int32_t before = vm->ctx->validation_count;
    TRY(upload_state(vm, vm->message));
    return ember_vk_check_validation(vm->ctx, before, vm->message);
}

size_t ember_vk_method_state_size(const ember_vk_method *vm) {
    return vm != NULL && vm->state >= 0 ? (size_t)vm->method->program->state_size : 0;
}

ember_status ember_vk_method_read_state(ember_vk_method *vm, void *dst, size_t bytes) {
    if (vm == NULL || (dst == NULL && bytes > 0)) return EMBER_ERR_ARGUMENT;
    if (vm->state < 0) return EMBER_OK;
    ember_vk_context *ctx = vm->ctx;
    uint64_t size = vm->method->program->state_size;
    if ((uint64_t)bytes < size)
        return ember_vk_fail(vm->message, EMBER_ERR_MEMORY, "the state needs %llu bytes, got %zu",
                             (unsigned long long)size, bytes);
    int32_t before = ctx->validation_count;
    ember_vk_buffer tmp;
    ember_status s = ember_vk_buffer_create(ctx, size, VK_BUFFER_USAGE_TRANSFER_DST_BIT,
                                            VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT, 0,
                                            &tmp, vm->message);
    if (s == EMBER_OK && tmp.map == NULL) s = ember_vk_fail(vm->message, EMBER_ERR_EXECUTION, "staging not mapped");
    if (s == EMBER_OK) s = transfer(vm, ctx->states[vm->state].buffer.buffer, tmp.buffer, size, vm->message);
    if (s == EMBER_OK) memcpy(dst, tmp.map, (size_t)size);
    ember_vk_buffer_destroy(ctx, &tmp);
    if (s == EMBER_OK) s = ember_vk_check_validation(ctx, before, vm->message);
    return s;
}

/* ---- the method's Vulkan objects ---------------------------------------------------- */
/* One descriptor set: binding 0 the arena, binding 1 the constants (bound once). */
static ember_status create_descriptors(ember_vk_method *vm) {
    ember_vk_context *ctx = vm->ctx;
    VkDescriptorPoolSize size = {VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 3};
    VkDescriptorPoolCreateInfo pi;
    memset(&pi, 0, sizeof pi);
    pi.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO;
    pi.maxSets = 1;
    pi.poolSizeCount = 1;
    pi.pPoolSizes = &size;
    VkResult r = ctx->vk.vkCreateDescriptorPool(ctx->device, &pi, NULL, &vm->pool);
    if (r != VK_SUCCESS) {
        vm->pool = VK_NULL_HANDLE;
        return ember_vk_fail(ctx->message, ember_vk_status(r), "vkCreateDescriptorPool: %s", ember_vk_result_str(r));
    }
    VkDescriptorSetAllocateInfo si;
    memset(&si, 0, sizeof si);
    si.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO;
    si.descriptorPool = vm->pool;
    si.descriptorSetCount = 1;
    si.pSetLayouts = &ctx->set_layout;
    r = ctx->vk.vkAllocateDescriptorSets(ctx->device, &si, &vm->set);
    if (r != VK_SUCCESS)
        return ember_vk_fail(ctx->message, ember_vk_status(r), "vkAllocateDescriptorSets: %s", ember_vk_result_str(r));
    VkBuffer state = vm->state >= 0 ? ctx->states[vm->state].buffer.buffer : vm->no_state.buffer;
    VkDescriptorBufferInfo bi[3] = {{vm->arena.buffer, 0, VK_WHOLE_SIZE}, {vm->constants.buffer, 0, VK_WHOLE_SIZE},
                                    {state, 0, VK_WHOLE_SIZE}};
    VkWriteDescriptorSet w[3];
    memset(w, 0, sizeof w);
    for (uint32_t i = 0; i < 3; i++) {
        w[i].sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET;
        w[i].dstSet = vm->set;
        w[i].dstBinding = i;
        w[i].descriptorCount = 1;
        w[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
        w[i].pBufferInfo = &bi[i];
    }
    ctx->vk.vkUpdateDescriptorSets(ctx->device, 3, w, 0, NULL);
    return EMBER_OK;
}

static ember_status create_objects(ember_vk_method *vm, uint64_t constant_bytes, uint64_t staging_bytes) {
    ember_vk_context *ctx = vm->ctx;
    const ember_method *m = vm->method;
    VkDeviceSize limit = ctx->props.limits.maxStorageBufferRange;
    if (m->arena_size + 16 > limit || constant_bytes > limit || m->arena_size / 4 >= EMBER_VK_STATE_BIT - 4)
        return ember_vk_fail(ctx->message, EMBER_ERR_UNSUPPORTED, "the method's arena (%llu bytes) or constants (%llu "
                             "bytes) exceed the device's storage buffer limit (%llu bytes)",
                             (unsigned long long)m->arena_size, (unsigned long long)constant_bytes,
                             (unsigned long long)limit);
    VkBufferUsageFlags io = VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT;
    vm->status_word = (uint32_t)((m->arena_size + 3) / 4);
    TRY(ember_vk_buffer_create(ctx, (VkDeviceSize)vm->status_word * 4 + 16, VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | io, 0,
                               VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT, &vm->arena, ctx->message));
    TRY(ember_vk_buffer_create(ctx, constant_bytes, VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | io, 0,
                               VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT, &vm->constants, ctx->message));
    TRY(ember_vk_buffer_create(ctx, staging_bytes, io,
                               VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT,
                               VK_MEMORY_PROPERTY_HOST_CACHED_BIT, &vm->staging, ctx->message));
    if (vm->staging.map == NULL) return ember_vk_fail(ctx->message, EMBER_ERR_EXECUTION, "staging buffer not mapped");
    memset(vm->staging.map, 0, (size_t)vm->staging.size);
    VkCommandPoolCreateInfo ci;
    memset(&ci, 0, sizeof ci);
    ci.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO;
    ci.queueFamilyIndex = ctx->queue_family;
    VkResult r = ctx->vk.vkCreateCommandPool(ctx->device, &ci, NULL, &vm->commands);
    if (r != VK_SUCCESS) {
        vm->commands = VK_NULL_HANDLE;
        return ember_vk_fail(ctx->message, ember_vk_status(r), "vkCreateCommandPool: %s", ember_vk_result_str(r));
    }
    VkCommandBufferAllocateInfo ai;
    memset(&ai, 0, sizeof ai);
    ai.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO;
    ai.commandPool = vm->commands;
    ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    ai.commandBufferCount = 1;
    r = ctx->vk.vkAllocateCommandBuffers(ctx->device, &ai, &vm->cmd);
    if (r != VK_SUCCESS)
        return ember_vk_fail(ctx->message, ember_vk_status(r), "vkAllocateCommandBuffers: %s", ember_vk_result_str(r));
    VkFenceCreateInfo fi;
    memset(&fi, 0, sizeof fi);
    fi.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO;
    r = ctx->vk.vkCreateFence(ctx->device, &fi, NULL, &vm->fence);
    if (r != VK_SUCCESS) {
        vm->fence = VK_NULL_HANDLE;
        return ember_vk_fail(ctx->message, ember_vk_status(r), "vkCreateFence: %s", ember_vk_result_str(r));
    }
    TRY(attach_state(vm));
    return create_descriptors(vm);
}

/* Inputs, then outputs, in the staging buffer (16-byte aligned); returns its size. */
static ember_status place_io(ember_vk_method *vm, const uint32_t *refs, uint64_t *bytes) {
    const ember_method *m = vm->method;
    uint64_t at = 0;
    vm->n_inputs = m->n_inputs;
    vm->n_outputs = m->n_outputs;
    vm->inputs = (ember_vk_io *)calloc((size_t)(m->n_inputs + m->n_outputs + 1), sizeof(ember_vk_io));
    if (vm->inputs == NULL) return ember_vk_fail(vm->ctx->message, EMBER_ERR_MEMORY, "out of host memory");
    vm->outputs = vm->inputs + m->n_inputs;
    for (int32_t i = 0; i < m->n_inputs + m->n_outputs; i++) {
        ember_vk_io *io = &vm->inputs[i];
        io->tensor = m->indices[i];
        io->ref = refs[io->tensor];
        io->nbytes = tensor_bytes(&m->tensors[io->tensor]);
        io->staging = at;
        at += (io->nbytes + 15) / 16 * 16;
    }
    vm->status_staging = at;   /* the status word after them */
    *bytes = at + 16;
    return EMBER_OK;
}

static ember_status prepare(ember_vk_method *vm) {
    ember_vk_context *ctx = vm->ctx;
    const ember_method *m = vm->method;
    uint64_t constant_bytes = 0, staging_bytes = 0;
    TRY(check_method(m, ctx->message));
    for (int32_t k = 0; k < m->n_nodes && !ctx->int8; k++)
        if (ember_vk_q8_kind(m, k) != 0)
            return ember_vk_fail(ctx->message, EMBER_ERR_UNSUPPORTED, "operator %d (%s) is int8, which needs 8-bit "
                                 "storage buffers and shaderInt64; the device lacks %s", (int)k,
                                 ember_opcode_name(m->nodes[k].opcode), ctx->int8_missing);
    int64_t capacity = 1;
    for (int32_t k = 0; k < m->n_nodes; k++) capacity += ember_vk_op_dispatches(m, k);
    uint32_t *refs = (uint32_t *)calloc((size_t)(2 * m->n_tensors + m->n_nodes + 1), sizeof(uint32_t));
    ember_vk_dispatch *list = (ember_vk_dispatch *)calloc((size_t)capacity, sizeof(ember_vk_dispatch));
    ember_status s = refs != NULL && list != NULL ? EMBER_OK
                                                   : ember_vk_fail(ctx->message, EMBER_ERR_MEMORY, "out of host memory");
    uint32_t *trefs = refs != NULL ? refs + m->n_tensors : NULL, *qrefs = refs != NULL ? trefs + m->n_tensors : NULL;
    if (s == EMBER_OK) s = place(m, refs, trefs, qrefs, &constant_bytes, ctx->message);
    if (s == EMBER_OK) s = place_io(vm, refs, &staging_bytes);
    if (s == EMBER_OK) s = create_objects(vm, constant_bytes, staging_bytes);
    if (s == EMBER_OK && constant_bytes > 0) s = upload(vm, refs, trefs, qrefs, constant_bytes);
    int32_t n = 0;
    for (int32_t k = 0; s == EMBER_OK && k < m->n_nodes; k++) {
        int32_t count = 0;
        /* a FULLY_CONNECTED reads its constant weight's transposed copy */
        const ember_node *node = &m->nodes[k];
        int32_t w = node->opcode == EMBER_OPCODE_FULLY_CONNECTED && node->n_in > 1 ? m->indices[node->first + 1] : -1;
        int swapped = w >= 0 && trefs[w] != EMBER_VK_NONE;
        uint32_t saved = swapped ? refs[w] : 0;
        if (swapped) refs[w] = trefs[w];
        s = ember_vk_op_dispatch(ctx, m, k, refs, qrefs[k], vm->status_word, &list[n], (int32_t)(capacity - n),
                                 &count, ctx->message);
        if (swapped) refs[w] = saved;
        if (s == EMBER_OK) n += count;
    }
    if (s == EMBER_OK) s = record(vm, list, n);
    free(refs);
    free(list);
    return s;
}

ember_status ember_vk_method_prepare(ember_vk_context *ctx, const ember_method *method, ember_vk_method **out) {
    if (out != NULL) *out = NULL;
    if (ctx == NULL || out == NULL) return EMBER_ERR_ARGUMENT;
    if (!ctx->ready) return ember_vk_fail(ctx->message, EMBER_ERR_STATE, "the Vulkan context was not created successfully");
    if (method == NULL || method->magic != EMBER_METHOD_MAGIC)
        return ember_vk_fail(ctx->message, EMBER_ERR_STATE, "the method was not initialised (ember_method_init)");
    ember_vk_method *vm = (ember_vk_method *)calloc(1, sizeof *vm);
    if (vm == NULL) return ember_vk_fail(ctx->message, EMBER_ERR_MEMORY, "out of host memory");
    int32_t before = ctx->validation_count;
    vm->ctx = ctx;
    vm->method = method;
    vm->state = -1;
    ctx->message[0] = 0;
    ember_status s = prepare(vm);
    if (s == EMBER_OK) s = ember_vk_check_validation(ctx, before, ctx->message);
    if (s != EMBER_OK) {
        ember_vk_method_destroy(vm);
        return s;
    }
    *out = vm;
    return EMBER_OK;
}

const char *ember_vk_method_message(const ember_vk_method *vm) {
    return vm != NULL ? vm->message : "no method (NULL handle)";
}

int32_t ember_vk_method_dispatch_count(const ember_vk_method *vm) { return vm != NULL ? vm->n_dispatches : 0; }
int32_t ember_vk_method_barrier_count(const ember_vk_method *vm) { return vm != NULL ? vm->n_barriers : 0; }

ember_status ember_vk_method_set_input(ember_vk_method *vm, int32_t index, ember_dtype dtype, const int64_t *shape,
                                       int32_t rank, const void *data, size_t nbytes) {
    if (vm == NULL) return EMBER_ERR_ARGUMENT;
    ember_tensor_info info;
    if (index < 0 || index >= vm->n_inputs)
        return ember_vk_fail(vm->message, EMBER_ERR_ARGUMENT, "input index %d out of range [0, %d)", (int)index,
                             (int)vm->n_inputs);
    if ((data == NULL && nbytes > 0) || (shape == NULL && rank > 0))
        return ember_vk_fail(vm->message, EMBER_ERR_ARGUMENT, "input %d: NULL data or shape", (int)index);
    if (ember_method_input_info(vm->method, index, &info) != EMBER_OK)
        return ember_vk_fail(vm->message, EMBER_ERR_STATE, "input %d: the method cannot describe it", (int)index);
    if (dtype != info.dtype || rank != info.rank)
        return ember_vk_fail(vm->message, EMBER_ERR_INPUT, "input %d ('%.40s'): dtype %d rank %d, expected dtype %d rank %d",
                             (int)index, info.name, (int)dtype, (int)rank, (int)info.dtype, (int)info.rank);
    for (int32_t d = 0; d < rank; d++)
        if (shape[d] != info.shape[d])
            return ember_vk_fail(vm->message, EMBER_ERR_INPUT, "input %d ('%.40s'): dimension %d is %lld, expected %lld",
                                 (int)index, info.name, (int)d, (long long)shape[d], (long long)info.shape[d]);
    ember_vk_io *io = &vm->inputs[index];
    if ((uint64_t)nbytes != io->nbytes)
        return ember_vk_fail(vm->message, EMBER_ERR_INPUT, "input %d ('%.40s'): %zu bytes given, its shape needs %llu",
                             (int)index, info.name, nbytes, (unsigned long long)io->nbytes);
    if (nbytes > 0) memcpy((uint8_t *)vm->staging.map + io->staging, data, nbytes);
    io->set = 1;
    return EMBER_OK;
}

ember_status ember_vk_method_run(ember_vk_method *vm) {
    if (vm == NULL) return EMBER_ERR_ARGUMENT;
    for (int32_t i = 0; i < vm->n_inputs; i++)
        if (!vm->inputs[i].set)
            return ember_vk_fail(vm->message, EMBER_ERR_INPUT, "input %d was not set (ember_vk_method_set_input)", (int)i);
    int32_t before = vm->ctx->validation_count;
    vm->ran = 0;
    TRY(submit(vm->ctx, vm->cmd, vm->fence, vm->message));
    TRY(ember_vk_check_validation(vm->ctx, before, vm->message));
    uint32_t failed;
    memcpy(&failed, (const uint8_t *)vm->staging.map + vm->status_staging, sizeof failed);
    if (failed != 0xffffffffu) {
        int32_t k = failed < (uint32_t)vm->method->n_nodes ? (int32_t)failed : -1;
        return ember_vk_fail(vm->message, EMBER_ERR_EXECUTION, "operator %d (%s): an index out of range on the GPU "
                             "(the outputs are not valid)", (int)k,
                             k >= 0 ? ember_opcode_name(vm->method->nodes[k].opcode) : "?");
    }
    vm->ran = 1;
    return EMBER_OK;
}

ember_status ember_vk_method_output(const ember_vk_method *vm, int32_t index, ember_tensor_info *info) {
    if (vm == NULL || info == NULL || index < 0 || index >= vm->n_outputs) return EMBER_ERR_ARGUMENT;
    if (!vm->ran) return EMBER_ERR_STATE;
    TRY(ember_method_output(vm->method, index, info));
    info->data = (const uint8_t *)vm->staging.map + vm->outputs[index].staging;
    return EMBER_OK;
}

void ember_vk_method_destroy(ember_vk_method *vm) {
    if (vm == NULL) return;
    ember_vk_context *ctx = vm->ctx;
    if (ctx != NULL && ctx->device != VK_NULL_HANDLE) {
        if (vm->fence != VK_NULL_HANDLE) ctx->vk.vkDestroyFence(ctx->device, vm->fence, NULL);
        if (vm->commands != VK_NULL_HANDLE) ctx->vk.vkDestroyCommandPool(ctx->device, vm->commands, NULL);
        if (vm->pool != VK_NULL_HANDLE) ctx->vk.vkDestroyDescriptorPool(ctx->device, vm->pool, NULL);
        ember_vk_buffer_destroy(ctx, &vm->arena);
        ember_vk_buffer_destroy(ctx, &vm->constants);
        ember_vk_buffer_destroy(ctx, &vm->staging);
        ember_vk_buffer_destroy(ctx, &vm->no_state);
        if (vm->state >= 0 && --ctx->states[vm->state].users == 0)
            ember_vk_buffer_destroy(ctx, &ctx->states[vm->state].buffer);
    }
    free(vm->inputs);
    free(vm);
}

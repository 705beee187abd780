/* Methods: lay out caller memory, prepare every op, bind inputs, run. */
#include <stdio.h>

#include "handles.h"

enum { UNSET = 0, COPIED = 1, CALLER = 2 };   /* ember_tensor.bound for inputs */

#define TRY(expr) do { ember_status s_ = (expr); if (s_ != EMBER_OK) return s_; } while (0)

static size_t align_up(size_t v, size_t a) { return (v + a - 1) / a * a; }

/* Input p of an operator as the file declares it, into *o: 0 where it is absent, its
 * index or shape cannot be read, or its rank passes EMBER_MAX_RANK (the loader verified
 * all of that; a slip here only plans less scratch). */
static int read_operand(const fb_buf *f, const fb_vec *tensors, const fb_vec *ins, uint32_t p, ember_operand *o,
                        ember_error *err) {
    fb_table t;
    fb_vec shape;
    int32_t ti = fb_i32(f, ins->pos + 4 * p);
    if (ti < 0 || (uint32_t)ti >= tensors->len || fb_vec_table(f, tensors, (uint32_t)ti, &t, err, "tensor") != EMBER_OK ||
        fb_sub_vector(f, &t, T_SHAPE, 8, 8, &shape, err, "tensor") != EMBER_OK || shape.len > EMBER_MAX_RANK)
        return 0;
    o->dtype = (uint8_t)fb_read_int(f, &t, T_DTYPE, 1, 1, 0);
    o->rank = (int32_t)shape.len;
    for (uint32_t d = 0; d < shape.len; d++) o->shape[d] = fb_i64(f, shape.pos + 8 * d);
    return 1;
}

/* The kernel scratch operator `op` asks for: its op's own answer (ember_op_impl.scratch)
 * from its first inputs as the file declares them; 0 for ops without scratch. */
static uint64_t op_scratch(const fb_buf *f, const fb_table *op, const fb_vec *tensors, const fb_vec *ins,
                           ember_error *err) {
    const ember_op_impl *impl = ember_op_lookup((uint32_t)fb_read_int(f, op, O_OPCODE, 2, 0, 0));
    ember_operand operands[EMBER_SCRATCH_INPUTS];
    const ember_operand *in[EMBER_SCRATCH_INPUTS];
    uint32_t n = ins->len < EMBER_SCRATCH_INPUTS ? ins->len : EMBER_SCRATCH_INPUTS;
    if (impl == NULL || impl->scratch == NULL) return 0;
    for (uint32_t p = 0; p < n; p++) in[p] = read_operand(f, tensors, ins, p, &operands[p], err) ? &operands[p] : NULL;
    return impl->scratch(in, (int32_t)n);
}

ember_status ember_method_find(const ember_program *p, const char *name, fb_table *method, ember_error *err) {
    for (uint32_t i = 0; i < p->methods.len; i++) {
        uint32_t n;
        TRY(fb_vec_table(&p->f, &p->methods, i, method, err, "method"));
        TRY(fb_sub_string(&p->f, method, M_NAME, &n, err, "method"));
        if (strcmp(fb_str(&p->f, n), name) == 0) return EMBER_OK;
    }
    return ember_fail(err, EMBER_ERR_ARGUMENT, "no method '%.60s' in the program (%u methods)", name, p->methods.len);
}

ember_status ember_method_plan(const ember_program *p, const fb_table *m, ember_method_layout *l, ember_error *err) {
    const fb_buf *f = &p->f;
    fb_vec tensors, inputs, outputs, ops;
    memset(l, 0, sizeof *l);
    TRY(fb_sub_vector(f, m, M_TENSORS, 4, 4, &tensors, err, "method"));
    TRY(fb_sub_vector(f, m, M_INPUTS, 4, 4, &inputs, err, "method"));
    TRY(fb_sub_vector(f, m, M_OUTPUTS, 4, 4, &outputs, err, "method"));
    TRY(fb_sub_vector(f, m, M_OPERATORS, 4, 4, &ops, err, "method"));
    uint64_t n_indices = (uint64_t)inputs.len + outputs.len;
    for (uint32_t i = 0; i < ops.len; i++) {
        fb_table op;
        fb_vec ins, outs;
        TRY(fb_vec_table(f, &ops, i, &op, err, "operator"));
        TRY(fb_sub_vector(f, &op, O_INPUTS, 4, 4, &ins, err, "operator"));
        TRY(fb_sub_vector(f, &op, O_OUTPUTS, 4, 4, &outs, err, "operator"));
        n_indices += (uint64_t)ins.len + outs.len;
        uint64_t need = op_scratch(f, &op, &tensors, &ins, err);
        if (need > l->scratch_size) l->scratch_size = need;
    }
    l->n_tensors = (int32_t)tensors.len;
    l->n_nodes = (int32_t)ops.len;
    l->n_inputs = (int32_t)inputs.len;
    l->n_outputs = (int32_t)outputs.len;
    /* The loader refused more than INT32_MAX (shared FlatBuffer vectors can repeat indices
     * far beyond the file size / 4); checked again here for the cast. */
    if (n_indices > (uint64_t)INT32_MAX)
        return ember_fail(err, EMBER_ERR_VERIFY, "method lists %llu tensor indices, more than 2^31 - 1",
                          (unsigned long long)n_indices);
    l->n_indices = (int32_t)n_indices;
    l->arena_size = (uint64_t)fb_read_int(f, m, M_ARENA_SIZE, 8, 0, 0);
    uint64_t at = align_up(sizeof(ember_method), 16);
    l->tensors_at = (size_t)at;
    at += (uint64_t)tensors.len * sizeof(ember_tensor);
    at = align_up((size_t)at, 16);
    l->nodes_at = (size_t)at;
    at += (uint64_t)ops.len * sizeof(ember_node);
    l->indices_at = (size_t)at;
    at += n_indices * 4;
    at = (at + 63) / 64 * 64 + 64;          /* slack: the arena starts 64-aligned in memory */
    l->arena_at = (size_t)at;
    uint64_t total = at + l->arena_size;
    l->scratch_size = (l->scratch_size + 63) / 64 * 64;   /* one slice; more follow for threads */
    if (l->scratch_size > 0) total = (total + 63) / 64 * 64 + l->scratch_size;
    if (total > (uint64_t)SIZE_MAX)
        return ember_fail(err, EMBER_ERR_MEMORY, "method needs %llu bytes, more than this platform addresses",
                          (unsigned long long)total);
    l->total = (size_t)total;
    return EMBER_OK;
}

ember_status ember_method_memory_size_threads(const ember_program *p, const char *name, int32_t threads,
                                              size_t *bytes) {
    fb_table m;
    ember_method_layout l;
    char scratch[8];
    ember_error quiet = {scratch, sizeof scratch};
    if (bytes != NULL) *bytes = 0;
    if (p == NULL || name == NULL || bytes == NULL || threads < 1 || threads > EMBER_MAX_THREADS)
        return EMBER_ERR_ARGUMENT;
    if (p->magic != EMBER_PROGRAM_MAGIC) return EMBER_ERR_STATE;
    TRY(ember_method_find(p, name, &m, &quiet));
    TRY(ember_method_plan(p, &m, &l, &quiet));
    uint64_t total = (uint64_t)l.total + (uint64_t)(threads - 1) * l.scratch_size;
    if (total > (uint64_t)SIZE_MAX) return EMBER_ERR_MEMORY;
    *bytes = (size_t)total;
    return EMBER_OK;
}

ember_status ember_method_memory_size(const ember_program *p, const char *name, size_t *bytes) {
    return ember_method_memory_size_threads(p, name, 1, bytes);
}

ember_status ember_method_set_threads(ember_method *m, int32_t threads, ember_parallel_for_fn parallel_for,
                                      void *pool) {
    if (m == NULL) return EMBER_ERR_ARGUMENT;
    if (m->magic != EMBER_METHOD_MAGIC) return EMBER_ERR_STATE;
    ember_error err = {m->message, sizeof m->message};
    if (threads < 1 || threads > EMBER_MAX_THREADS)
        return ember_fail(&err, EMBER_ERR_ARGUMENT, "threads %d outside 1 .. %d", (int)threads, EMBER_MAX_THREADS);
    if (threads > 1 && parallel_for == NULL)
        return ember_fail(&err, EMBER_ERR_ARGUMENT, "threads %d without a parallel_for", (int)threads);
    if (threads > m->scratch_slices)
        return ember_fail(&err, EMBER_ERR_MEMORY, "threads %d need %d kernel scratch slices of %zu bytes; the memory "
                          "given to ember_method_init holds %d (size it with ember_method_memory_size_threads)",
                          (int)threads, (int)threads, m->scratch_size, (int)m->scratch_slices);
    m->threads.n = threads;
    m->threads.parallel_for = threads > 1 ? parallel_for : NULL;
    m->threads.pool = threads > 1 ? pool : NULL;
    return EMBER_OK;
}

/* ---- preparation ----------------------------------------------------------- */
static void node_args(const ember_method *m, const ember_node *n, ember_op_args *a) {
    const int32_t *idx = m->indices + n->first;
    a->n_in = n->n_in;
    for (int i = 0; i < n->n_in; i++) a->in[i] = idx[i] >= 0 ? &m->tensors[idx[i]] : NULL;
    a->out = &m->tensors[idx[n->n_in]];
    a->p = &n->params;
    a->q = &n->quant;
    a->scratch = m->scratch;
    a->scratch_bytes = m->scratch_size;
    a->threads = &m->threads;
}

static ember_status op_failed(ember_method *m, int32_t k, ember_status s, const char *detail) {
    const ember_node *n = &m->nodes[k];
    const char *src = fb_str(&m->program->f, n->source);
    snprintf(m->message, sizeof m->message, "operator %d (%s)%s%.60s%s: %.150s", (int)k, ember_opcode_name(n->opcode),
             *src ? " at " : "", src, strlen(src) > 60 ? "..." : "", detail);
    return s;
}

/* Checks every op at the current shapes; afterwards the run loop runs blind. */
static ember_status prepare_all(ember_method *m) {
    char detail[EMBER_MESSAGE_BYTES];
    ember_error err = {detail, sizeof detail};
    ember_op_args a;
    for (int32_t k = 0; k < m->n_nodes; k++) {
        node_args(m, &m->nodes[k], &a);
        detail[0] = 0;
        ember_status s = m->nodes[k].impl->check(&a, &err);
        if (s != EMBER_OK) return op_failed(m, k, s, detail);
    }
    return EMBER_OK;
}

static int64_t arena_at(const ember_method *m, const ember_tensor *t) { return (uint8_t *)t->home - m->arena; }

/* The memory plan: two arena tensors whose bytes overlap are never live at the same
 * time (the exporter's planner guarantees it), or a kernel would overwrite what a later
 * op reads, or read and write one region at once. A RESHAPE output is a view of its input
 * (the run points it at the input's data), so an arena input's view must sit at the same
 * offset; the two form one group, live from the first write of any member to the last
 * read of any member. Pairwise over the arena tensors (no memory). */
static ember_status check_plan(ember_method *m, ember_error *err) {
    for (int32_t i = 0; i < m->n_tensors; i++) {
        m->tensors[i].live_first = INT32_MAX;
        m->tensors[i].live_last = -2;
        m->tensors[i].alias = i;
    }
    for (int32_t i = 0; i < m->n_inputs; i++) {
        ember_tensor *x = &m->tensors[m->indices[i]];
        x->live_first = -1;
        if (x->live_last < -1) x->live_last = -1;
    }
    for (int32_t k = 0; k < m->n_nodes; k++) {
        const ember_node *n = &m->nodes[k];
        const int32_t *op_idx = m->indices + n->first;
        for (int i = 0; i < n->n_in + n->n_out; i++) {
            if (op_idx[i] < 0) continue;
            ember_tensor *x = &m->tensors[op_idx[i]];
            if (i >= n->n_in && x->live_first > k) x->live_first = k;
            x->live_last = k;
        }
        if (n->opcode == EMBER_OPCODE_RESHAPE && n->n_in >= 1 && op_idx[0] >= 0) {
            ember_tensor *in = &m->tensors[op_idx[0]], *out = &m->tensors[op_idx[n->n_in]];
            if (in->storage == EMBER_STORAGE_STATE)   /* its bytes change under a later INDEX_COPY */
                return ember_fail(err, EMBER_ERR_VERIFY, "operator %d (RESHAPE): a view of state tensor %d (copy it "
                                  "first)", (int)k, (int)op_idx[0]);
            if (in->storage == EMBER_STORAGE_ARENA && in->home != out->home)   /* the run aliases them */
                return ember_fail(err, EMBER_ERR_VERIFY, "operator %d (RESHAPE): output tensor %d is not at its "
                                  "input's arena offset (a reshape is a view)", (int)k, (int)op_idx[n->n_in]);
            if (in->storage == EMBER_STORAGE_ARENA) out->alias = in->alias;
        }
    }
    for (int32_t i = 0; i < m->n_outputs; i++) m->tensors[m->indices[m->n_inputs + i]].live_last = m->n_nodes;
    for (int32_t i = 0; i < m->n_tensors; i++) {   /* a group lives as long as any member */
        ember_tensor *x = &m->tensors[i], *g = &m->tensors[x->alias];
        if (x->live_first < g->live_first) g->live_first = x->live_first;
        if (x->live_last > g->live_last) g->live_last = x->live_last;
    }
    int32_t n_live = 0;
    for (int32_t i = 0; i < m->n_tensors; i++) {
        const ember_tensor *x = &m->tensors[i], *g = &m->tensors[x->alias];
        n_live += x->storage == EMBER_STORAGE_ARENA && x->max_nbytes > 0 && g->live_first <= g->live_last;
    }
    if (n_live > EMBER_MAX_PLANNED_TENSORS)   /* the pairwise check below stays under 2^27 pairs */
        return ember_fail(err, EMBER_ERR_UNSUPPORTED, "%ld arena tensors in use, more than this runtime verifies (%d)",
                          (long)n_live, EMBER_MAX_PLANNED_TENSORS);
    for (int32_t i = 0; i < m->n_tensors; i++) {
        const ember_tensor *a = &m->tensors[i], *ga = &m->tensors[a->alias];
        if (a->storage != EMBER_STORAGE_ARENA || a->max_nbytes == 0 || ga->live_first > ga->live_last) continue;
        int64_t a0 = arena_at(m, a), a1 = a0 + (int64_t)a->max_nbytes;
        for (int32_t j = i + 1; j < m->n_tensors; j++) {
            const ember_tensor *b = &m->tensors[j], *gb = &m->tensors[b->alias];
            if (b->storage != EMBER_STORAGE_ARENA || b->max_nbytes == 0 || a->alias == b->alias) continue;
            int64_t b0 = arena_at(m, b), b1 = b0 + (int64_t)b->max_nbytes;
            if (a0 < b1 && b0 < a1 && ga->live_first <= gb->live_last && gb->live_first <= ga->live_last)
                return ember_fail(err, EMBER_ERR_VERIFY,
                                  "tensors %d and %d share arena bytes [%lld, %lld) while both are live "
                                  "(operators %d..%d and %d..%d)", (int)i, (int)j,
                                  (long long)(a0 > b0 ? a0 : b0), (long long)(a1 < b1 ? a1 : b1),
                                  (int)ga->live_first, (int)ga->live_last, (int)gb->live_first, (int)gb->live_last);
        }
    }
    return EMBER_OK;
}

/* The method's symbols: each one's bounds (the run checks bound sizes against them). */
static ember_status fill_symbols(ember_method *m, const fb_vec *symbols, ember_error *err) {
    const fb_buf *f = &m->program->f;
    m->n_symbols = (int32_t)symbols->len;
    for (uint32_t i = 0; i < symbols->len && i < EMBER_MAX_SYMBOLS; i++) {
        fb_table s;
        TRY(fb_vec_table(f, symbols, i, &s, err, "symbol"));
        m->sym_min[i] = fb_read_int(f, &s, S_MIN, 8, 1, 0);
        m->sym_max[i] = m->sym_checked[i] = fb_read_int(f, &s, S_MAX, 8, 1, 0);
    }
    return EMBER_OK;
}

/* Tensor i: dtype, (maximum) shape, its planned place in the arena or the constant
 * segment, quantization and layout. */
static ember_status fill_tensor(ember_method *m, const fb_vec *tensors, int32_t i, ember_error *err) {
    const ember_program *p = m->program;
    const fb_buf *f = &p->f;
    fb_table t;
    fb_vec shape, dims, programs;
    ember_tensor *x = &m->tensors[i];
    TRY(fb_vec_table(f, tensors, (uint32_t)i, &t, err, "tensor"));
    TRY(fb_sub_vector(f, &t, T_SHAPE, 8, 8, &shape, err, "tensor"));
    TRY(fb_sub_vector(f, &t, T_DIMS, EMBER_DIMEXPR_BYTES, 8, &dims, err, "tensor"));
    TRY(fb_sub_vector(f, &t, T_DIM_PROGRAMS, 4, 4, &programs, err, "tensor"));
    TRY(fb_sub_string(f, &t, T_NAME, &x->name, err, "tensor"));
    x->dtype = (uint8_t)fb_read_int(f, &t, T_DTYPE, 1, 1, 0);
    x->storage = (uint8_t)fb_read_int(f, &t, T_STORAGE, 1, 1, 0);
    x->rank = (uint8_t)shape.len;
    x->dims = dims.pos;
    x->programs = programs.pos;
    x->n_programs = programs.len;
    x->shape_pos = shape.pos;
    x->count = 1;
    for (uint32_t d = 0; d < shape.len; d++) {
        x->shape[d] = fb_i64(f, shape.pos + 8 * d);
        x->count *= x->shape[d];
    }
    x->max_nbytes = (uint64_t)fb_read_int(f, &t, T_NBYTES, 8, 0, 0);
    uint64_t offset = (uint64_t)fb_read_int(f, &t, T_OFFSET, 8, 0, 0);
    if (x->storage == EMBER_STORAGE_STATE) {   /* in the caller's state block once one is bound */
        x->state_offset = offset;
        x->home = x->data = m->arena;          /* a valid placeholder: a run refuses until bound */
    } else {
        x->home = x->data = x->storage == EMBER_STORAGE_CONSTANT ? (void *)(uintptr_t)(f->b + p->seg_offset + offset)
                                                                 : (void *)(m->arena + offset);
    }
    TRY(ember_tensor_quant(f, &t, T_QUANTIZATION, x, err));
    x->layout = (uint8_t)fb_read_int(f, &t, T_LAYOUT, 1, 1, 0);
    return EMBER_OK;
}

/* Operator k: its kernel (the int8 one where its output is quantized INT8 and the op has
 * one), quantization, options, and its operand indices appended at *idx. */
static ember_status fill_node(ember_method *m, const fb_vec *ops, int32_t k, int32_t **idx, ember_error *err) {
    const fb_buf *f = &m->program->f;
    fb_table op, options;
    fb_vec ins, outs;
    ember_node *n = &m->nodes[k];
    TRY(fb_vec_table(f, ops, (uint32_t)k, &op, err, "operator"));
    TRY(fb_sub_vector(f, &op, O_INPUTS, 4, 4, &ins, err, "operator"));
    TRY(fb_sub_vector(f, &op, O_OUTPUTS, 4, 4, &outs, err, "operator"));
    TRY(fb_sub_string(f, &op, O_SOURCE, &n->source, err, "operator"));
    TRY(fb_sub_table(f, &op, O_OPTIONS, 0, &options, err, "operator"));
    n->opcode = (uint16_t)fb_read_int(f, &op, O_OPCODE, 2, 0, 0);
    TRY(ember_decode_quant(f, &op, O_QUANT, &n->quant, err));
    n->impl = ember_op_lookup(n->opcode);
    if (outs.len > 0) {
        int32_t o = fb_i32(f, outs.pos);
        if (o >= 0 && o < m->n_tensors && m->tensors[o].dtype == EMBER_DTYPE_INT8 && m->tensors[o].n_scales > 0 &&
            ember_op_lookup_int8(n->opcode) != NULL)
            n->impl = ember_op_lookup_int8(n->opcode);
    }
    if (n->impl == NULL)
        return ember_fail(err, EMBER_ERR_UNSUPPORTED, "operator %d: op %s is not in this build", (int)k,
                          ember_opcode_name(n->opcode));
    n->n_in = (uint16_t)ins.len;
    n->n_out = (uint16_t)outs.len;
    n->first = (uint32_t)(*idx - m->indices);
    for (uint32_t i = 0; i < ins.len; i++) *(*idx)++ = fb_i32(f, ins.pos + 4 * i);
    for (uint32_t i = 0; i < outs.len; i++) *(*idx)++ = fb_i32(f, outs.pos + 4 * i);
    return ember_decode_options(f, &options, (int32_t)fb_read_int(f, &op, O_OPTIONS_TYPE, 1, 0, 0), &n->params, err,
                                "operator");
}

/* Every arena tensor an op reads was written before (inputs count as written), none is
 * written twice, and every output is written. `bound` serves as the written flag here and
 * is cleared afterwards. */
static ember_status check_write_order(ember_method *m, ember_error *err) {
    for (int32_t i = 0; i < m->n_inputs; i++) m->tensors[m->indices[i]].bound = 1;
    for (int32_t k = 0; k < m->n_nodes; k++) {
        const ember_node *n = &m->nodes[k];
        const int32_t *op_idx = m->indices + n->first;
        for (int i = 0; i < n->n_in; i++) {
            const ember_tensor *x = op_idx[i] >= 0 ? &m->tensors[op_idx[i]] : NULL;
            if (x != NULL && x->storage == EMBER_STORAGE_ARENA && !x->bound)
                return ember_fail(err, EMBER_ERR_VERIFY, "operator %d (%s): input %d reads tensor %d before it is written",
                                  (int)k, ember_opcode_name(n->opcode), i, (int)op_idx[i]);
        }
        for (int i = 0; i < n->n_out; i++) {
            ember_tensor *x = &m->tensors[op_idx[n->n_in + i]];
            if (x->storage == EMBER_STORAGE_STATE) continue;   /* INDEX_COPY in place (the loader's rule) */
            if (x->bound)   /* each tensor has one writer: views and inputs are never written */
                return ember_fail(err, EMBER_ERR_VERIFY, "operator %d (%s): output tensor %d is already written "
                                  "(by a method input or an earlier operator)", (int)k, ember_opcode_name(n->opcode),
                                  (int)op_idx[n->n_in + i]);
            x->bound = 1;
        }
    }
    for (int32_t i = 0; i < m->n_outputs; i++) {
        const ember_tensor *x = &m->tensors[m->indices[m->n_inputs + i]];
        if (x->storage == EMBER_STORAGE_ARENA && !x->bound)
            return ember_fail(err, EMBER_ERR_VERIFY, "output %d: tensor %d is never written", (int)i,
                              (int)m->indices[m->n_inputs + i]);
    }
    for (int32_t i = 0; i < m->n_tensors; i++) m->tensors[i].bound = UNSET;
    return EMBER_OK;
}

/* Decodes the method table into m (symbols, tensors, nodes, the operand index list), then
 * checks the write order and the memory plan. */
static ember_status fill(ember_method *m, const ember_method_layout *l, ember_error *err) {
    const fb_buf *f = &m->program->f;
    fb_vec tensors, inputs, outputs, ops, symbols;
    TRY(fb_sub_vector(f, &m->table, M_TENSORS, 4, 4, &tensors, err, "method"));
    TRY(fb_sub_vector(f, &m->table, M_INPUTS, 4, 4, &inputs, err, "method"));
    TRY(fb_sub_vector(f, &m->table, M_OUTPUTS, 4, 4, &outputs, err, "method"));
    TRY(fb_sub_vector(f, &m->table, M_OPERATORS, 4, 4, &ops, err, "method"));
    TRY(fb_sub_vector(f, &m->table, M_SYMBOLS, 4, 4, &symbols, err, "method"));
    TRY(fb_sub_vector(f, &m->table, M_TEST_CASES, 4, 4, &m->test_cases, err, "method"));
    TRY(fill_symbols(m, &symbols, err));
    for (int32_t i = 0; i < l->n_tensors; i++) TRY(fill_tensor(m, &tensors, i, err));
    int32_t *idx = m->indices;   /* (inputs, outputs, then each node's inputs and outputs) */
    for (uint32_t i = 0; i < inputs.len; i++) *idx++ = fb_i32(f, inputs.pos + 4 * i);
    for (uint32_t i = 0; i < outputs.len; i++) *idx++ = fb_i32(f, outputs.pos + 4 * i);
    for (int32_t k = 0; k < l->n_nodes; k++) TRY(fill_node(m, &ops, k, &idx, err));
    TRY(check_write_order(m, err));
    return check_plan(m, err);
}

ember_status ember_method_init(const ember_program *p, const char *name, void *mem, size_t bytes,
                               ember_method **out) {
    fb_table table;
    ember_method_layout l;
    if (out != NULL) *out = NULL;
    if (p == NULL || name == NULL || mem == NULL || out == NULL || bytes < sizeof(ember_method) ||
        (uintptr_t)mem % EMBER_ALIGNMENT != 0)
        return EMBER_ERR_ARGUMENT;
    ember_method *m = (ember_method *)mem;
    memset(m, 0, sizeof *m);
    *out = m;
    ember_error err = {m->message, sizeof m->message};
    if (p->magic != EMBER_PROGRAM_MAGIC)
        return ember_fail(&err, EMBER_ERR_STATE, "the program was not loaded successfully");
    TRY(ember_method_find(p, name, &table, &err));
    TRY(ember_method_plan(p, &table, &l, &err));
    if (bytes < l.total)
        return ember_fail(&err, EMBER_ERR_MEMORY, "method '%.60s' needs %zu bytes of memory, got %zu", name,
                          l.total, bytes);
    uint8_t *base = (uint8_t *)mem;
    m->program = p;
    m->table = table;
    m->tensors = (ember_tensor *)(void *)(base + l.tensors_at);
    m->nodes = (ember_node *)(void *)(base + l.nodes_at);
    m->indices = (int32_t *)(void *)(base + l.indices_at);
    uintptr_t first_free = (uintptr_t)(base + l.indices_at) + 4u * (size_t)l.n_indices;
    m->arena = base + (align_up(first_free, 64) - (uintptr_t)base);   /* inside the 64-byte slack */
    m->arena_size = l.arena_size;
    m->scratch_slices = EMBER_MAX_THREADS;   /* no kernel scratch: any thread count fits */
    if (l.scratch_size > 0) {   /* the arena ends inside the total, 64-byte slack included */
        m->scratch = m->arena + align_up((size_t)l.arena_size, 64);
        m->scratch_size = (size_t)l.scratch_size;
        size_t extra = (bytes - l.total) / m->scratch_size;   /* slices past the first */
        m->scratch_slices = extra >= EMBER_MAX_THREADS ? EMBER_MAX_THREADS : 1 + (int32_t)extra;
    }
    m->threads.n = 1;
    m->threads.scratch = m->scratch;
    m->threads.scratch_stride = m->threads.scratch_bytes = m->scratch_size;
    m->n_tensors = l.n_tensors;
    m->n_nodes = l.n_nodes;
    m->n_inputs = l.n_inputs;
    m->n_outputs = l.n_outputs;
    memset(m->tensors, 0, (size_t)l.n_tensors * sizeof(ember_tensor));
    memset(m->nodes, 0, (size_t)l.n_nodes * sizeof(ember_node));
    TRY(fill(m, &l, &err));
    TRY(prepare_all(m));
    m->magic = EMBER_METHOD_MAGIC;
    return EMBER_OK;
}

const char *ember_method_message(const ember_method *m) {
    return m != NULL ? m->message : "no method (NULL handle)";
}

int32_t ember_method_input_count(const ember_method *m) {
    return m != NULL && m->magic == EMBER_METHOD_MAGIC ? m->n_inputs : 0;
}

int32_t ember_method_output_count(const ember_method *m) {
    return m != NULL && m->magic == EMBER_METHOD_MAGIC ? m->n_outputs : 0;
}

static void info_of(const ember_method *m, const ember_tensor *t, ember_tensor_info *info, int with_data) {
    memset(info, 0, sizeof *info);
    info->name = fb_str(&m->program->f, t->name);
    info->dtype = (ember_dtype)t->dtype;
    info->rank = t->rank;
    for (int d = 0; d < t->rank; d++) info->shape[d] = t->shape[d];
    info->nbytes = (size_t)t->count * ember_dtype_size((ember_dtype)t->dtype);
    info->data = with_data ? t->data : NULL;
}

static ember_status check_handle(const ember_method *m) {
    if (m == NULL) return EMBER_ERR_ARGUMENT;
    return m->magic == EMBER_METHOD_MAGIC ? EMBER_OK : EMBER_ERR_STATE;
}

ember_status ember_method_input_info(const ember_method *m, int32_t index, ember_tensor_info *info) {
    TRY(check_handle(m));
    if (info == NULL || index < 0 || index >= m->n_inputs) return EMBER_ERR_ARGUMENT;
    const ember_tensor *t = &m->tensors[m->indices[index]];
    info_of(m, t, info, 0);
    if (t->dims != 0) {   /* report the declared maximum, not the last bound size */
        char scratch[8];
        ember_error quiet = {scratch, sizeof scratch};
        ember_dim_ref r = ember_dim_ref_of(t, m->n_symbols);
        if (ember_eval_dims(&m->program->f, &r, m->sym_max, 0, info->shape, &quiet, "") != EMBER_OK)
            return EMBER_ERR_STATE;
    }
    return EMBER_OK;
}

static ember_status set_input(ember_method *m, int32_t index, ember_dtype dtype, const int64_t *shape,
                              int32_t rank, const void *data, size_t nbytes, int mode) {
    TRY(check_handle(m));
    ember_error err = {m->message, sizeof m->message};
    if (index < 0 || index >= m->n_inputs)
        return ember_fail(&err, EMBER_ERR_ARGUMENT, "input index %d out of range [0, %d)", (int)index, (int)m->n_inputs);
    if (data == NULL || (shape == NULL && rank > 0))
        return ember_fail(&err, EMBER_ERR_ARGUMENT, "input %d: NULL data or shape", (int)index);
    ember_tensor *t = &m->tensors[m->indices[index]];
    const char *name = fb_str(&m->program->f, t->name);
    int64_t maxshape[EMBER_MAX_RANK];
    if ((int)dtype != t->dtype)
        return ember_fail(&err, EMBER_ERR_INPUT, "input %d ('%.40s'): dtype %d, expected %d", (int)index, name,
                          (int)dtype, (int)t->dtype);
    if (rank != t->rank)
        return ember_fail(&err, EMBER_ERR_INPUT, "input %d ('%.40s'): rank %d, expected %d", (int)index, name,
                          (int)rank, (int)t->rank);
    if (t->dims != 0) {
        ember_dim_ref r = ember_dim_ref_of(t, m->n_symbols);
        TRY(ember_eval_dims(&m->program->f, &r, m->sym_max, 0, maxshape, &err, "input"));
    } else {
        memcpy(maxshape, t->shape, sizeof maxshape);
    }
    int64_t count = 1;
    for (int d = 0; d < rank; d++) {
        if (shape[d] < 0 || shape[d] > maxshape[d] || (t->dims == 0 && shape[d] != maxshape[d]))
            return ember_fail(&err, EMBER_ERR_INPUT, "input %d ('%.40s'): dimension %d is %lld, expected %s%lld",
                              (int)index, name, d, (long long)shape[d], t->dims ? "at most " : "", (long long)maxshape[d]);
        count *= shape[d];
    }
    size_t item = ember_dtype_size(dtype);
    if ((uint64_t)nbytes != (uint64_t)count * item)
        return ember_fail(&err, EMBER_ERR_INPUT, "input %d ('%.40s'): %zu bytes given, its shape needs %llu",
                          (int)index, name, nbytes, (unsigned long long)((uint64_t)count * item));
    if (mode == CALLER && (uintptr_t)data % item != 0)
        return ember_fail(&err, EMBER_ERR_ARGUMENT, "input %d: buffer not aligned to %zu bytes", (int)index, item);
    for (int d = 0; d < rank; d++) t->shape[d] = shape[d];
    t->count = count;
    t->bound = (uint8_t)mode;
    if (mode == CALLER) {
        t->data = (void *)(uintptr_t)data;   /* read only: no op writes an input tensor */
    } else {
        t->data = t->home;                   /* planned for the maximum shape: any accepted size fits */
        memcpy(t->data, data, nbytes);
    }
    return EMBER_OK;
}

ember_status ember_method_set_input(ember_method *m, int32_t index, ember_dtype dtype, const int64_t *shape,
                                    int32_t rank, const void *data, size_t nbytes) {
    return set_input(m, index, dtype, shape, rank, data, nbytes, COPIED);
}

ember_status ember_method_bind_input(ember_method *m, int32_t index, ember_dtype dtype, const int64_t *shape,
                                     int32_t rank, const void *data, size_t nbytes) {
    return set_input(m, index, dtype, shape, rank, data, nbytes, CALLER);
}

/* Sizes from input i's dimensions: one that is exactly a size (coeff 1), or, in the second
 * pass, k times a size not bound yet (DynamicDim(multiple=k)): a multiple of k in range. */
static ember_status bind_from_input(const ember_method *m, int32_t i, int multiples, int64_t *value,
                                    ember_error *err) {
    const fb_buf *f = &m->program->f;
    const ember_tensor *t = &m->tensors[m->indices[i]];
    for (int d = 0; t->dims != 0 && d < t->rank; d++) {
        size_t at = (size_t)t->dims + EMBER_DIMEXPR_BYTES * (size_t)d;
        int64_t coeff = fb_i64(f, at), v = t->shape[d];
        int16_t sa = (int16_t)fb_u16(f, at + 16), sb = (int16_t)fb_u16(f, at + 18);
        int wanted = multiples ? coeff > 1 : coeff == 1;
        if (!wanted || fb_i64(f, at + 8) != 0 || sa < 0 || sb >= 0 || value[sa] >= 0) continue;
        if (coeff == 1 && (v < m->sym_min[sa] || v > m->sym_max[sa]))
            return ember_fail(err, EMBER_ERR_INPUT, "input %d ('%.40s'): dimension %d is %lld, outside the exported "
                              "range [%lld, %lld] of its size", (int)i, fb_str(f, t->name), d, (long long)v,
                              (long long)m->sym_min[sa], (long long)m->sym_max[sa]);
        if (coeff > 1 && (v % coeff != 0 || v / coeff < m->sym_min[sa] || v / coeff > m->sym_max[sa]))
            return ember_fail(err, EMBER_ERR_INPUT, "input %d ('%.40s'): dimension %d is %lld: it must be a multiple "
                              "of %lld in %lld..%lld", (int)i, fb_str(f, t->name), d, (long long)v, (long long)coeff,
                              (long long)(coeff * m->sym_min[sa]), (long long)(coeff * m->sym_max[sa]));
        value[sa] = v / coeff;
    }
    return EMBER_OK;
}

/* Binds the dynamic sizes from the inputs, checks every input against them and,
 * when they changed, re-evaluates all shapes and prepares every op again. */
static ember_status bind_sizes(ember_method *m) {
    ember_error err = {m->message, sizeof m->message};
    const fb_buf *f = &m->program->f;
    int64_t value[EMBER_MAX_SYMBOLS], want[EMBER_MAX_RANK];
    for (int s = 0; s < m->n_symbols; s++) value[s] = -1;
    for (int multiples = 0; multiples < 2; multiples++)   /* a dimension that is the size, then k times it */
        for (int32_t i = 0; i < m->n_inputs; i++) TRY(bind_from_input(m, i, multiples, value, &err));
    int changed = 0;
    for (int s = 0; s < m->n_symbols; s++) {
        if (value[s] < 0)
            return ember_fail(&err, EMBER_ERR_INPUT, "size %d is not given by any input dimension", s);
        if (value[s] < m->sym_min[s] || value[s] > m->sym_max[s])
            return ember_fail(&err, EMBER_ERR_INPUT, "size %d = %lld outside the exported range [%lld, %lld]", s,
                              (long long)value[s], (long long)m->sym_min[s], (long long)m->sym_max[s]);
        changed |= value[s] != m->sym_checked[s];
    }
    for (int32_t i = 0; i < m->n_inputs; i++) {
        const ember_tensor *t = &m->tensors[m->indices[i]];
        if (t->dims == 0) continue;
        ember_dim_ref r = ember_dim_ref_of(t, m->n_symbols);
        TRY(ember_eval_dims(f, &r, value, 0, want, &err, "input"));
        for (int d = 0; d < t->rank; d++)
            if (want[d] != t->shape[d])
                return ember_fail(&err, EMBER_ERR_INPUT, "input %d ('%.40s'): dimension %d is %lld, expected %lld",
                                  (int)i, fb_str(f, t->name), d, (long long)t->shape[d], (long long)want[d]);
    }
    if (!changed) return EMBER_OK;
    for (int s = 0; s < m->n_symbols; s++) m->sym_checked[s] = -1;   /* until prepared again */
    for (int32_t k = 0; k < m->n_tensors; k++) {
        ember_tensor *t = &m->tensors[k];
        if (t->dims == 0) continue;
        ember_dim_ref r = ember_dim_ref_of(t, m->n_symbols);
        TRY(ember_eval_dims(f, &r, value, 0, t->shape, &err, "tensor"));
        t->count = 1;
        for (int d = 0; d < t->rank; d++) t->count *= t->shape[d];
    }
    TRY(prepare_all(m));
    for (int s = 0; s < m->n_symbols; s++) m->sym_checked[s] = value[s];
    return EMBER_OK;
}

/* The run without its profile bookkeeping; prof (NULL: off) gets a record per operator. */
static ember_status run_ops(ember_method *m, ember_profile *prof) {
    ember_error err = {m->message, sizeof m->message};
    char detail[EMBER_MESSAGE_BYTES];
    ember_error op_err = {detail, sizeof detail};
    ember_op_args a;
    for (int32_t i = 0; i < m->n_inputs; i++)
        if (m->tensors[m->indices[i]].bound == UNSET)
            return ember_fail(&err, EMBER_ERR_INPUT, "input %d ('%.40s') was not set (a copied input serves "
                              "one run; bound inputs stay)", (int)i,
                              fb_str(&m->program->f, m->tensors[m->indices[i]].name));
    if (m->program->state_size > 0 && m->state == NULL)
        return ember_fail(&err, EMBER_ERR_INPUT, "the program has %llu bytes of state and none is bound to this "
                          "method (ember_program_state_init, then ember_method_set_state)",
                          (unsigned long long)m->program->state_size);
    if (m->n_symbols > 0) TRY(bind_sizes(m));
    /* The planner reuses a copied input's arena bytes once its last reader ran,
     * so a copy serves one run: the next run needs set_input again. */
    for (int32_t i = 0; i < m->n_inputs; i++)
        if (m->tensors[m->indices[i]].bound == COPIED) m->tensors[m->indices[i]].bound = UNSET;
    /* A RESHAPE output is a view of its input, which may be a caller buffer. */
    for (int32_t k = 0; k < m->n_nodes; k++) {
        const ember_node *n = &m->nodes[k];
        if (n->opcode == EMBER_OPCODE_RESHAPE) {
            const int32_t *idx = m->indices + n->first;
            m->tensors[idx[1]].data = m->tensors[idx[0]].data;
        }
    }
    for (int32_t k = 0; k < m->n_nodes; k++) {
        const ember_node *n = &m->nodes[k];
        node_args(m, n, &a);
        if (prof == NULL) {   /* the common case: one predictable branch per operator */
            ember_status s = n->impl->eval(&a, &op_err);
            if (s != EMBER_OK) return op_failed(m, k, s, detail);
            continue;
        }
        uint64_t start = prof->clock(prof->clock_ctx);
        ember_status s = n->impl->eval(&a, &op_err);
        uint64_t end = prof->clock(prof->clock_ctx);
        if (prof->count < prof->capacity) {
            ember_op_record *r = &prof->records[prof->count++];
            r->op = k;
            r->opcode = (int32_t)n->opcode;
            r->start = start;
            r->end = end;
        } else if (prof->dropped < INT32_MAX) {
            prof->dropped++;
        }
        if (s != EMBER_OK) return op_failed(m, k, s, detail);
    }
    return EMBER_OK;
}

ember_status ember_method_run(ember_method *m) {
    TRY(check_handle(m));
    ember_profile *prof = m->profile;
    if (prof == NULL) return run_ops(m, NULL);
    if (prof->clock == NULL || prof->capacity < 0 || (prof->records == NULL && prof->capacity > 0)) {
        ember_error err = {m->message, sizeof m->message};   /* changed by the caller since set_profile */
        return ember_fail(&err, EMBER_ERR_ARGUMENT, "the profile lost its clock or records (capacity %d) "
                          "after ember_method_set_profile", (int)prof->capacity);
    }
    prof->count = prof->dropped = 0;
    prof->run_start = prof->clock(prof->clock_ctx);
    ember_status s = run_ops(m, prof);
    prof->run_end = prof->clock(prof->clock_ctx);
    return s;
}

ember_status ember_method_set_state(ember_method *m, void *state, size_t bytes) {
    TRY(check_handle(m));
    ember_error err = {m->message, sizeof m->message};
    uint64_t need = m->program->state_size;
    if (state == NULL && bytes == 0) {   /* unbind: a program with state refuses to run again */
        m->state = NULL;
        for (int32_t i = 0; i < m->n_tensors; i++)
            if (m->tensors[i].storage == EMBER_STORAGE_STATE) m->tensors[i].home = m->tensors[i].data = m->arena;
        return EMBER_OK;
    }
    if (state == NULL || (uintptr_t)state % EMBER_ALIGNMENT != 0)
        return ember_fail(&err, EMBER_ERR_ARGUMENT, "state memory is NULL or not %d-byte aligned", EMBER_ALIGNMENT);
    if ((uint64_t)bytes < need)
        return ember_fail(&err, EMBER_ERR_MEMORY, "the program needs %llu bytes of state, got %zu",
                          (unsigned long long)need, bytes);
    if (need == 0) return EMBER_OK;   /* no state: the block is never touched */
    m->state = (uint8_t *)state;
    for (int32_t i = 0; i < m->n_tensors; i++) {
        ember_tensor *x = &m->tensors[i];
        /* the loader verified [state_offset, + max_nbytes) inside state_size */
        if (x->storage == EMBER_STORAGE_STATE) x->home = x->data = m->state + x->state_offset;
    }
    return EMBER_OK;
}

ember_status ember_method_set_profile(ember_method *m, ember_profile *profile) {
    TRY(check_handle(m));
    ember_error err = {m->message, sizeof m->message};
    if (profile != NULL) {
        if (profile->clock == NULL) return ember_fail(&err, EMBER_ERR_ARGUMENT, "profile without a clock");
        if (profile->capacity < 0)
            return ember_fail(&err, EMBER_ERR_ARGUMENT, "profile capacity %d is negative", (int)profile->capacity);
        if (profile->records == NULL && profile->capacity > 0)
            return ember_fail(&err, EMBER_ERR_ARGUMENT, "profile of capacity %d without records",
                              (int)profile->capacity);
        profile->count = profile->dropped = 0;
    }
    m->profile = profile;
    return EMBER_OK;
}

/* ---- operators, for tools -------------------------------------------------- */
int32_t ember_method_operator_count(const ember_method *m) {
    return check_handle(m) == EMBER_OK ? m->n_nodes : 0;
}

ember_status ember_method_operator_info(const ember_method *m, int32_t k, ember_operator_info *info) {
    TRY(check_handle(m));
    if (info == NULL || k < 0 || k >= m->n_nodes) return EMBER_ERR_ARGUMENT;
    const ember_node *n = &m->nodes[k];
    memset(info, 0, sizeof *info);
    info->op = ember_opcode_name(n->opcode);
    info->opcode = (int32_t)n->opcode;
    info->source = fb_str(&m->program->f, n->source);
    info->n_inputs = n->n_in;
    info->n_outputs = n->n_out;
    return EMBER_OK;
}

ember_status ember_method_operator_tensor(const ember_method *m, int32_t k, int output, int32_t j,
                                          ember_tensor_info *info) {
    TRY(check_handle(m));
    if (info == NULL || k < 0 || k >= m->n_nodes) return EMBER_ERR_ARGUMENT;
    const ember_node *n = &m->nodes[k];
    if (j < 0 || j >= (output ? n->n_out : n->n_in)) return EMBER_ERR_ARGUMENT;
    int32_t t = m->indices[n->first + (uint32_t)(output ? n->n_in : 0) + (uint32_t)j];
    if (t < 0 || t >= m->n_tensors) {   /* an absent optional input (-1; the loader allows nothing else) */
        memset(info, 0, sizeof *info);
        info->name = "";
        return EMBER_ERR_INPUT;
    }
    info_of(m, &m->tensors[t], info, 0);
    return EMBER_OK;
}

ember_status ember_method_output(const ember_method *m, int32_t index, ember_tensor_info *info) {
    TRY(check_handle(m));
    if (info == NULL || index < 0 || index >= m->n_outputs) return EMBER_ERR_ARGUMENT;
    info_of(m, &m->tensors[m->indices[m->n_inputs + index]], info, 1);
    return EMBER_OK;
}

int32_t ember_method_test_case_count(const ember_method *m) {
    return check_handle(m) == EMBER_OK ? (int32_t)m->test_cases.len : 0;
}

ember_status ember_method_test_case_tensor(const ember_method *m, int32_t c, int output, int32_t j,
                                           ember_tensor_info *info, float *atol, float *rtol) {
    fb_table tc, td;
    fb_vec datas, shape;
    TRY(check_handle(m));
    const fb_buf *f = &m->program->f;
    char scratch[8];
    ember_error quiet = {scratch, sizeof scratch};
    if (info == NULL || c < 0 || (uint32_t)c >= m->test_cases.len) return EMBER_ERR_ARGUMENT;
    TRY(fb_vec_table(f, &m->test_cases, (uint32_t)c, &tc, &quiet, ""));
    TRY(fb_sub_vector(f, &tc, output ? C_OUTPUTS : C_INPUTS, 4, 4, &datas, &quiet, ""));
    if (j < 0 || (uint32_t)j >= datas.len) return EMBER_ERR_ARGUMENT;
    TRY(fb_vec_table(f, &datas, (uint32_t)j, &td, &quiet, ""));
    TRY(fb_sub_vector(f, &td, D_SHAPE, 8, 8, &shape, &quiet, ""));
    memset(info, 0, sizeof *info);
    info->name = "";
    info->dtype = (ember_dtype)fb_read_int(f, &td, D_DTYPE, 1, 1, 0);
    info->rank = (int32_t)shape.len;
    for (uint32_t d = 0; d < shape.len; d++) info->shape[d] = fb_i64(f, shape.pos + 8 * d);
    info->nbytes = (size_t)fb_read_int(f, &td, D_NBYTES, 8, 0, 0);
    info->data = f->b + m->program->seg_offset + (size_t)fb_read_int(f, &td, D_OFFSET, 8, 0, 0);
    if (atol != NULL) *atol = fb_read_f32(f, &tc, C_ATOL, 0.0f);
    if (rtol != NULL) *rtol = fb_read_f32(f, &tc, C_RTOL, 0.0f);
    return EMBER_OK;
}

void ember_method_free(ember_method *m) {
    if (m != NULL) m->magic = 0;
}

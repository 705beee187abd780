/* Bounds-checked FlatBuffer reading (see fb.h). */
#include "fb.h"

ember_status fb_table_at(const fb_buf *f, uint32_t pos, fb_table *t, ember_error *err, const char *what) {
    memset(t, 0, sizeof *t);
    if (pos % 4 != 0 || (size_t)pos + 4 > f->n)
        return ember_fail(err, EMBER_ERR_FORMAT, "%s: table offset %u outside file of %zu bytes or misaligned",
                          what, pos, f->n);
    int64_t vt = (int64_t)pos - (int64_t)fb_i32(f, pos);
    if (vt < 0 || vt % 2 != 0 || (size_t)vt + 4 > f->n)
        return ember_fail(err, EMBER_ERR_FORMAT, "%s: vtable offset %lld outside file of %zu bytes",
                          what, (long long)vt, f->n);
    uint16_t vt_bytes = fb_u16(f, (size_t)vt), t_bytes = fb_u16(f, (size_t)vt + 2);
    if (vt_bytes < 4 || vt_bytes % 2 != 0 || (size_t)vt + vt_bytes > f->n)
        return ember_fail(err, EMBER_ERR_FORMAT, "%s: vtable of %u bytes at %lld exceeds file of %zu bytes",
                          what, vt_bytes, (long long)vt, f->n);
    if (t_bytes < 4 || (size_t)pos + t_bytes > f->n)
        return ember_fail(err, EMBER_ERR_FORMAT, "%s: table of %u bytes at %u exceeds file of %zu bytes",
                          what, t_bytes, pos, f->n);
    t->pos = pos;
    t->vt = (uint32_t)vt;
    t->vt_bytes = vt_bytes;
    t->t_bytes = t_bytes;
    return EMBER_OK;
}

static uint32_t field_offset(const fb_buf *f, const fb_table *t, int id) {
    uint32_t slot = 4u + 2u * (uint32_t)id;
    if (t->pos == 0 || slot + 2 > t->vt_bytes) return 0;
    return fb_u16(f, t->vt + slot);
}

ember_status fb_field(const fb_buf *f, const fb_table *t, int id, uint32_t size, uint32_t *at,
                      ember_error *err, const char *what) {
    uint32_t off = field_offset(f, t, id);
    *at = 0;
    if (off == 0) return EMBER_OK;
    if (off < 4 || (uint32_t)off + size > t->t_bytes)
        return ember_fail(err, EMBER_ERR_FORMAT, "%s: field %d at +%u (%u bytes) outside its table of %u bytes",
                          what, id, off, size, t->t_bytes);
    *at = t->pos + off;
    return EMBER_OK;
}

int64_t fb_read_int(const fb_buf *f, const fb_table *t, int id, uint32_t size, int is_signed, int64_t dflt) {
    uint32_t off = field_offset(f, t, id);
    if (off == 0 || off + size > t->t_bytes) return dflt;
    size_t at = (size_t)t->pos + off;
    switch (size) {
    case 1: return is_signed ? (int64_t)(int8_t)f->b[at] : (int64_t)f->b[at];
    case 2: return is_signed ? (int64_t)(int16_t)fb_u16(f, at) : (int64_t)fb_u16(f, at);
    case 4: return is_signed ? (int64_t)fb_i32(f, at) : (int64_t)fb_u32(f, at);
    default: return fb_i64(f, at);
    }
}

float fb_read_f32(const fb_buf *f, const fb_table *t, int id, float dflt) {
    uint32_t off = field_offset(f, t, id);
    return (off == 0 || off + 4u > t->t_bytes) ? dflt : fb_f32(f, (size_t)t->pos + off);
}

double fb_read_f64(const fb_buf *f, const fb_table *t, int id, double dflt) {
    uint32_t off = field_offset(f, t, id);
    return (off == 0 || off + 8u > t->t_bytes) ? dflt : fb_f64(f, (size_t)t->pos + off);
}

/* The target of offset field `id`, 0 when the field is absent. */
static ember_status follow(const fb_buf *f, const fb_table *t, int id, uint32_t *target,
                           ember_error *err, const char *what) {
    uint32_t at;
    ember_status s = fb_field(f, t, id, 4, &at, err, what);
    *target = 0;
    if (s != EMBER_OK || at == 0) return s;
    uint32_t rel = fb_u32(f, at);
    uint64_t pos = (uint64_t)at + rel;
    if (rel == 0 || pos + 4 > f->n || pos % 4 != 0)
        return ember_fail(err, EMBER_ERR_FORMAT, "%s: field %d points to %llu, outside file of %zu bytes or misaligned",
                          what, id, (unsigned long long)pos, f->n);
    *target = (uint32_t)pos;
    return EMBER_OK;
}

ember_status fb_sub_table(const fb_buf *f, const fb_table *t, int id, int required, fb_table *out,
                          ember_error *err, const char *what) {
    uint32_t pos;
    ember_status s = follow(f, t, id, &pos, err, what);
    memset(out, 0, sizeof *out);
    if (s != EMBER_OK) return s;
    if (pos == 0)
        return required ? ember_fail(err, EMBER_ERR_VERIFY, "%s: required field %d missing", what, id) : EMBER_OK;
    return fb_table_at(f, pos, out, err, what);
}

static ember_status vector_at(const fb_buf *f, uint32_t pos, uint32_t elem_size, uint32_t elem_align,
                              fb_vec *out, ember_error *err, const char *what) {
    uint32_t len = fb_u32(f, pos);
    uint64_t start = (uint64_t)pos + 4;
    if ((uint64_t)len * elem_size > f->n - start)
        return ember_fail(err, EMBER_ERR_FORMAT, "%s: vector of %u x %u bytes at %u exceeds file of %zu bytes",
                          what, len, elem_size, pos, f->n);
    if (len > 0 && start % elem_align != 0)
        return ember_fail(err, EMBER_ERR_FORMAT, "%s: vector data at %llu not %u-byte aligned", what,
                          (unsigned long long)start, elem_align);
    out->pos = (uint32_t)start;
    out->len = len;
    return EMBER_OK;
}

ember_status fb_sub_vector(const fb_buf *f, const fb_table *t, int id, uint32_t elem_size,
                           uint32_t elem_align, fb_vec *out, ember_error *err, const char *what) {
    uint32_t pos;
    ember_status s = follow(f, t, id, &pos, err, what);
    out->pos = 0;
    out->len = 0;
    if (s != EMBER_OK || pos == 0) return s;
    return vector_at(f, pos, elem_size, elem_align, out, err, what);
}

ember_status fb_sub_string(const fb_buf *f, const fb_table *t, int id, uint32_t *out,
                           ember_error *err, const char *what) {
    fb_vec v;
    ember_status s = fb_sub_vector(f, t, id, 1, 1, &v, err, what);
    *out = 0;
    if (s != EMBER_OK || v.pos == 0) return s;
    if ((size_t)v.pos + v.len >= f->n || f->b[v.pos + v.len] != 0)
        return ember_fail(err, EMBER_ERR_FORMAT, "%s: string at %u of %u bytes is not NUL-terminated",
                          what, v.pos, v.len);
    if (memchr(f->b + v.pos, 0, v.len) != NULL)
        return ember_fail(err, EMBER_ERR_FORMAT, "%s: string at %u contains a NUL byte", what, v.pos);
    *out = v.pos;
    return EMBER_OK;
}

ember_status fb_vec_table(const fb_buf *f, const fb_vec *v, uint32_t i, fb_table *out,
                          ember_error *err, const char *what) {
    memset(out, 0, sizeof *out);
    if (i >= v->len) return ember_fail(err, EMBER_ERR_ARGUMENT, "%s: element %u of %u", what, i, v->len);
    uint32_t at = v->pos + 4 * i;
    uint32_t rel = fb_u32(f, at);
    uint64_t pos = (uint64_t)at + rel;
    if (rel == 0 || pos + 4 > f->n)
        return ember_fail(err, EMBER_ERR_FORMAT, "%s: element %u points to %llu, outside file of %zu bytes",
                          what, i, (unsigned long long)pos, f->n);
    return fb_table_at(f, (uint32_t)pos, out, err, what);
}

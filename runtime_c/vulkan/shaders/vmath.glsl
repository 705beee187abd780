// The C runtime's float32 exp (runtime_c/src/ops/vmath.h: Cody-Waite reduction, a degree-7
// polynomial; 0 below -87, inf above 88), tanh and GELU, with every step `precise` so that
// no multiply-add is fused: the C runtime's operations in its order, within the device's
// division (2.5 ulp in Vulkan, exact on lavapipe). Included by the shaders that use them.

const float EXP_POLY[8] = float[8](1.98412698e-4, 1.38888889e-3, 8.33333333e-3, 4.16666667e-2,
                                   1.66666667e-1, 0.5, 1.0, 1.0);
const float TANH_POLY[9] = float[9](5.90027441e-4, -1.45583439e-3, 3.59212804e-3, -8.86323553e-3,
                                    2.18694885e-2, -5.39682540e-2, 1.33333333e-1, -3.33333333e-1, 1.0);
const float ERFC_POLY[12] = float[12](0.029893940314650536, -0.15294362604618073, 0.2724016308784485,
                                      -0.1082068532705307, -0.21645520627498627, 0.176208034157753,
                                      -0.015184045769274235, 0.2095051258802414, 0.2397051453590393,
                                      0.28305190801620483, 0.28202152252197266, 2.4386677068832796e-06);

float vm_exp(float y) {
    if (isnan(y)) return y;
    float c = -87.0 > y ? -87.0 : y;
    c = 88.0 < c ? 88.0 : c;
    precise float n = roundEven(c * 1.44269504);   // = (v + 1.5 * 2^23) - 1.5 * 2^23 for |v| < 2^22
    precise float r = (c - n * 0.693359375) - n * -2.12194440e-4;
    precise float p = EXP_POLY[0];
    for (int i = 1; i < 8; i++) p = p * r + EXP_POLY[i];
    precise float e = p * intBitsToFloat((int(n) + 127) << 23);
    return y < -87.0 ? 0.0 : y > 88.0 ? uintBitsToFloat(0x7f800000u) : e;
}

float vm_tanh(float z) {
    float a = abs(z);
    a = 9.0 < a ? 9.0 : a;
    precise float z2 = z * z;
    precise float p = TANH_POLY[0];
    for (int i = 1; i < 9; i++) p = p * z2 + TANH_POLY[i];
    precise float small = z * p;
    precise float big = 1.0 - 2.0 / (vm_exp(2.0 * a) + 1.0);
    return abs(z) < 0.625 ? small : z < 0.0 ? -big : big;
}

// erf(x), not in the C runtime's vmath.h (which computes erf in double through libm):
// below |x| = 0.5 its Taylor series to x^15 (relative error under 1e-7), above 1 - erfc(|x|)
// with erfc(u) = exp(-u^2) R(1 / (1 + u/2)) (vmath.h's fit, u^2 split exactly, u <= 10).
float vm_erf(float x) {
    float u = abs(x);
    if (isnan(x)) return x;
    if (u < 0.5) {
        precise float z = x * x;
        precise float s = ((((((-1.0 / 75600.0 * z + 1.0 / 9360.0) * z - 1.0 / 1320.0) * z + 1.0 / 216.0) * z
                            - 1.0 / 42.0) * z + 0.1) * z - 1.0 / 3.0) * z + 1.0;
        precise float r = 1.1283791671 * x * s;
        return r;
    }
    u = 10.0 < u ? 10.0 : u;
    precise float t = 1.0 / (1.0 + 0.5 * u);
    precise float p = ERFC_POLY[0];
    for (int i = 1; i < 12; i++) p = p * t + ERFC_POLY[i];
    precise float c = 4097.0 * u;
    precise float xh = c - (c - u);
    precise float xl = u - xh;
    precise float hi = u * u;
    precise float lo = ((xh * xh - hi) + 2.0 * xh * xl) + xl * xl;
    precise float e = 1.0 - vm_exp(-hi) * (1.0 - lo) * p;
    return x < 0.0 ? -e : e;
}

// x * Phi(x) = x/2 * (2 - erfc(|x|/sqrt 2)) for x >= 0, x/2 * erfc(|x|/sqrt 2) below.
float vm_gelu(float x) {
    float ax = abs(x);
    ax = 14.0 < ax ? 14.0 : ax;
    precise float t = 1.0 / (1.0 + 0.5 * (ax * 0.70710678));
    precise float p = ERFC_POLY[0];
    for (int i = 1; i < 12; i++) p = p * t + ERFC_POLY[i];
    precise float c = 4097.0 * ax;
    precise float xh = c - (c - ax);
    precise float xl = ax - xh;
    precise float hi = ax * ax;
    precise float lo = ((xh * xh - hi) + 2.0 * xh * xl) + xl * xl;
    precise float e = vm_exp(hi * -0.5) * (1.0 - lo * 0.5) * p;
    precise float h = x >= 0.0 ? 2.0 - e : e;
    precise float y = x * 0.5 * h;
    return y;
}

// x/2 * (1 + tanh(z)) = x / (1 + exp(-2z)), z = sqrt(2/pi) (x + 0.044715 x^3).
float vm_gelu_tanh(float x) {
    precise float z = 0.7978845608 * (x + 0.044715 * x * x * x);
    precise float y = x / (1.0 + vm_exp(-2.0 * z));
    return y;
}

"""Typeset (LaTeX) forms of the key equations of the equation index, keyed by citation.

The derivations in ``docs/*.md`` typeset every equation in place (LaTeX in ``$...$`` / ``$$...$$``);
these forms are the few key equations collected in one formula each, shown next to the functions
that implement them (API pages), in the equation index and at the top of the derivation.  Each
form transcribes the corresponding equations of ``docs/stochastic_perceptron_rs.md`` or
``docs/hopfield.md`` (the corrected equations, not the printed ones).  The key is the citation
exactly as written in the first column of ``docs/equations.md`` (or a row's anchor).
"""

NOTATION = (
    r"Dz = \frac{e^{-z^2/2}\,dz}{\sqrt{2\pi}},\qquad H(x) = \int_x^\infty Dz,\qquad "
    r"\Delta = q_* - q_0,\qquad s = \sqrt{1 - q_*}"
)

EQUATIONS_TEX = {
    "[baldassi2018, SM Eq. 1-2]": (
        r"Z = \int_{[-1,1]^N} dm\;\delta\Big(\sum_i m_i^2 - q_* N\Big)\, e^{\beta L(m)},\qquad "
        r"L(m) = \sum_\mu \log H\!\left(-\frac{\sum_i m_i x_i^\mu}{\sqrt{N(1-q_*)}}\right)"
    ),
    "[baldassi2018, SM Eq. 12]": (
        r"\phi = \frac{q_0\hat q_0 - q_*\hat q_1}{2} + \mathcal{G}_S(\hat q_0, \hat q_1)"
        r" + \alpha\,\mathcal{G}_E(q_0; q_*, \beta)"
    ),
    "[baldassi2018, SM Eq. 13]": (
        r"\mathcal{G}_S = \int Dz\,\log\int_{-1}^{1} dm\; e^{a m^2 + b m},\qquad "
        r"a = \frac{\hat q_1 - \hat q_0}{2},\quad b = \sqrt{\hat q_0}\, z"
    ),
    "[baldassi2018, SM Eq. 14]": (
        r"\mathcal{G}_E = \int Dz\,\log Z_E\big(\sqrt{q_0}\, z\big),\qquad "
        r"Z_E(h) = \int Du\; H^\beta\!\left(-\frac{h + \sqrt{\Delta}\,u}{s}\right)"
    ),
    "[baldassi2018, SM Eq. 15]": (
        r"q_0 = \int Dz\,\langle m\rangle_z^2,\qquad "
        r"q_* = \int Dz\,\langle m^2\rangle_z,\qquad "
        r"\hat q_0 = \alpha \int Dz\,\big(\partial_h \log Z_E(h)\big)^2\Big|_{h=\sqrt{q_0}z}"
    ),
    "[baldassi2018, SM Eq. 16]": r"\alpha\,\gamma_E\,\gamma_S < 1",
    "[baldassi2018, SM Eq. 17]": r"\gamma_E = \int Dz\,\big(\partial_h^2 \log Z_E(h)\big)^2",
    "[baldassi2018, SM Eq. 18]": r"\gamma_S = \int Dz\,\big(\langle m^2\rangle_z - \langle m\rangle_z^2\big)^2",
    "[baldassi2018, SM Eq. 20]": (
        r"\langle m^k\rangle_z = \frac{\int_{-1}^{1} dm\; m^k\, e^{a m^2 + b m}}"
        r"{\int_{-1}^{1} dm\; e^{a m^2 + b m}}"
    ),
    # docs/hopfield.md (H1)-(H4): RS free energy and saddle point at T > 0
    "eq-amit1985": (
        r"\begin{gathered}f = \frac{\alpha}{2} + \frac{m^2}{2} + \frac{\alpha}{2\beta}\left[\ln\big(1 - \beta(1-q)\big)"
        r" - \frac{\beta q}{1 - \beta(1-q)}\right] + \frac{\alpha\beta r (1-q)}{2}"
        r" - \frac{1}{\beta}\int Dz\,\ln 2\cosh\big(\beta(m + \sqrt{\alpha r}\, z)\big),"
        r"\\ m = \int Dz\,\tanh\big(\beta(m + \sqrt{\alpha r}\,z)\big),\quad "
        r"q = \int Dz\,\tanh^2\big(\beta(m + \sqrt{\alpha r}\,z)\big),\quad "
        r"r = \frac{q}{\big(1 - \beta(1-q)\big)^2}\end{gathered}"
    ),
}

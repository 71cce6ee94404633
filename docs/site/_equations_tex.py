"""Typeset (LaTeX) forms of the key equations of the equation index, keyed by citation.

The derivations in ``docs/*.md`` typeset every equation in place (LaTeX in ``$...$`` / ``$$...$$``);
these forms are the few key equations collected in one formula each, shown next to the functions
that implement them (API pages), in the equation index and at the top of the derivation.  Each
form transcribes the corresponding equations of the derivation named in its comment
(``docs/stochastic_perceptron_rs.md``, ``docs/perceptron_algorithms.md``, ``docs/hopfield.md``, ...;
the corrected equations, not the printed ones).  The key is the citation exactly as written in the
first column of ``docs/equations.md``, or a row's anchor (``eq-<citation>-2`` for the second row of
a citation) where rows that share a citation implement different formulas.
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
    # docs/stochastic_perceptron_rs.md Sec. 5: overlaps with the binarized configuration and its energy
    "[baldassi2018, SM Eq. 28-29]": (
        r"p = \int Dz\,\langle \lvert m\rvert\rangle_z,\qquad "
        r"\tilde p = \int Dz\,\langle \operatorname{sign} m\rangle_z\,\langle m\rangle_z"
    ),
    "eq-baldassi2018-sm-eq-30": (  # the RS row (the clipped-centre and 1RSB rows share the citation)
        r"E = \int Dz\,\Big\langle H\Big(\frac{A}{\sigma}\Big)\Big\rangle_{u|z},\qquad "
        r"A = \frac{\tilde p}{\sqrt{q_0}}\,z + \frac{p - \tilde p}{\sqrt{\Delta}}\,u,\qquad "
        r"\sigma^2 = 1 - \frac{\tilde p^2}{q_0} - \frac{(p - \tilde p)^2}{\Delta}"
    ),
    # docs/stochastic_perceptron_rs.md Sec. 6: binary control variables, the RS theory
    "eq-baldassi2018-sm-eq-40": (
        r"m_i = \sqrt{q_*}\,\sigma_i:\qquad \phi = \operatorname{extr}_{q_0, \hat q_0}\; "
        r"-\frac{1}{2}\hat q_0 (q_* - q_0) + \int Dz\,\log 2\cosh\big(\sqrt{\hat q_0 q_*}\, z\big)"
        r" + \alpha G_E(q_0; q_*, \beta),\qquad q_0 = q_* \int Dz\,\tanh^2\big(\sqrt{\hat q_0 q_*}\, z\big)"
    ),
    # docs/perceptron_algorithms.md: instances, log-likelihood, gradient ascent, on-line rules
    "[baldassi2018, Eq. 2]": (
        r"H(W) = \sum_\mu \Theta\big(-y^\mu\, W \cdot x^\mu\big),\qquad E = H(W)/M"
    ),
    "[baldassi2018, Eq. 6]": (
        r"L(m) = \sum_\mu \log H(u^\mu),\qquad u^\mu = -\frac{y^\mu \bar h^\mu}{\sigma},\qquad "
        r"\bar h^\mu = \sum_i m_i x_i^\mu,\quad \sigma^2 = \sum_i (1 - m_i^2)\,(x_i^\mu)^2"
    ),
    "[baldassi2018, Eq. 7]": (
        r"m \leftarrow \operatorname{clip}_{[-1,1]}\big(m + \eta\, \nabla_m L(m)\big),\qquad "
        r"W = \operatorname{sign}(m)"
    ),
    "[baldassi2018, SM Eq. 42]": (  # sign and second term corrected, no 1/M (the derivation's Deviations 1-3)
        r"\frac{\partial L}{\partial m_i} = \sum_\mu \mathrm{GH}(u^\mu)\left[\frac{y^\mu x_i^\mu}{\sigma}"
        r" + \frac{y^\mu \bar h^\mu m_i}{\sigma^3}\right],\qquad \mathrm{GH} = G/H"
    ),
    "[baldassi2018, SM Eq. 43]": (  # with the two corrections of SM Eq. 42
        r"W \sim Q_m,\quad h = W \cdot x,\quad \sigma = \sqrt{N/2}:\qquad m_i \leftarrow \operatorname{clip}"
        r"\Big(m_i + \eta\, \mathrm{GH}\big(-y h/\sigma\big)"
        r"\Big(\frac{y x_i}{\sigma} + \frac{y h m_i}{\sigma^3}\Big)\Big)"
    ),
    "[baldassi2018, SM Eq. 44]": (
        r"h = \sum_i \operatorname{sign}(m_i)\, x_i\ \ (\text{CP}),\quad h = \sum_i W_i x_i,\ W \sim Q_m\ \ "
        r"(\text{CP-S}):\qquad y h \le 0 \;\Rightarrow\; m \leftarrow \operatorname{clip}(m + \eta\, y\, x)"
    ),
    # docs/deep_networks.md Sec. 1
    "[baldassi2018, SM Eq. 41]": (
        r"\tau^{l+1}_i = \operatorname{sign}\Big(\sum_j W^l_{ij} \tau^l_j + b^l_i\Big),\quad l = 0, \dots, L,\quad "
        r"\tau^0 = x,\qquad W^l_{ij} = \pm 1,\ \ \langle W^l_{ij}\rangle = m^l_{ij}"
    ),
    # docs/vpf.md Secs. 2-3
    "[liu2018, Eq. 1-2]": (
        r"K = \sum_j \delta_j,\quad \delta_j = e^{\alpha_j z_j},\quad \alpha_j = \frac{1}{2} - y_j;\qquad "
        r"\frac{\partial K}{\partial b_i} = \alpha_i \delta_i,\quad "
        r"\frac{\partial K}{\partial w_{ij}} = y_j \alpha_i \delta_i + y_i \alpha_j \delta_j"
    ),
    "[liu2018, Eq. 3-4]": (
        r"\mathrm{KL}\big(q(h \mid x)\, p_0(x) \,\Vert\, p_t(x, h)\big) = \mathbb{E}_x\, "
        r"\mathrm{KL}\big(q(h \mid x) \,\Vert\, p_t(h \mid x)\big) + \mathrm{KL}\big(p_0(x) \,\Vert\, p_t(x)\big)"
    ),
    "[liu2018, Eq. 5]": (  # the bias is that of unit j of layer i (the derivation's Deviation 2)
        r"p(h_{ij} = 1 \mid \cdot) = \operatorname{sigmoid}\Big(\sum_{k \ne j} w_{kj} h_{ik}"
        r" + \sum_k w'_{kj} h_{(i-1)k} + b_{ij}\Big)"
    ),
    # docs/relu_rbm.md: the ReLU hidden unit
    "[tubiana2017, Eq. 3]": r"e(h) = \frac{\gamma h^2}{2} - \theta h,\qquad h \ge 0",
    # docs/planted_rbm_threshold.md, docs/variational_rbm.md
    "eq-huang2020-eq-1-2": (  # the sampler row (the first row is the learning threshold)
        r"P(\sigma \mid \xi) = \frac{1}{Z(\xi)} \prod_\mu \cosh(\beta X_\mu),\qquad "
        r"X_\mu = \frac{\xi^\mu \cdot \sigma}{\sqrt{N}},\qquad \xi^\mu_i = \pm 1"
    ),
    "[huang2020, Eq. 5-7]": (
        r"\mathrm{LB} = -\mathrm{KL} + \mathbb{E}_q\Big[\sum_{a,\mu} \ln\cosh(\beta X^a_\mu) - M \ln Z(\xi)\Big]"
    ),
    "[huang2020, Eq. 6]": (
        r"\mathrm{KL} = \sum_{i\mu} \sum_{x = \pm 1} z \ln\frac{z}{y},\qquad z = \frac{1 + \lambda x}{2},\quad "
        r"y = \frac{1 + m x}{2}"
    ),
    # docs/franz_parisi.md: the Franz-Parisi entropy, its RS functional and saddle point
    "[baldassi2018, SM Eq. 31]": (
        r"S(p) = \lim \frac{1}{N}\, \mathbb{E}_D \Big\langle \log \sum_W \prod_\mu \Theta\Big(\sum_i W_i x_i^\mu\Big)"
        r"\, \delta\Big(pN - \sum_i \operatorname{sign}(m_i) W_i\Big) \Big\rangle_m,\qquad p = 1 - 2d"
    ),
    "[baldassi2018, SM Eq. 32]": (
        r"S = -\frac{1}{2} \hat Q_0 (1 - Q_0) + \hat s_0 s_0 - \hat s_1 s_1 - \hat p\, p"
        r" + G_S^{\mathrm{FP}} + \alpha\, G_E^{\mathrm{FP}}"
    ),
    "[baldassi2018, SM Eq. 37-38]": (
        r"\begin{gathered}\hat Q_0 = -2\alpha\, \frac{\partial G_E^{\mathrm{FP}}}{\partial Q_0},\quad "
        r"\hat s_0 = -\alpha\, \frac{\partial G_E^{\mathrm{FP}}}{\partial s_0},\quad "
        r"\hat s_1 = \alpha\, \frac{\partial G_E^{\mathrm{FP}}}{\partial s_1},"
        r"\\ Q_0 = 1 - 2\, \frac{\partial G_S^{\mathrm{FP}}}{\partial \hat Q_0},\quad "
        r"s_0 = -\frac{\partial G_S^{\mathrm{FP}}}{\partial \hat s_0},\quad "
        r"s_1 = \frac{\partial G_S^{\mathrm{FP}}}{\partial \hat s_1},\quad "
        r"p = \frac{\partial G_S^{\mathrm{FP}}}{\partial \hat p}\end{gathered}"
    ),
    # docs/bp_reinforcement.md Sec. 4: energy around a configuration
    "[baldassi2018, SM Eq. 45]": (
        r"\hat E(W, d) = \mathbb{E}_{W' \mid W, d}\, \frac{1}{M} \sum_\mu \Theta\Big(-y^\mu \sum_i W'_i x_i^\mu\Big)"
    ),
    "[baldassi2018, SM Eq. 46]": (  # dN flips rounded to an integer k (the derivation's note)
        r"W' \text{ uniform on } \sum_i W_i W'_i = N(1 - 2d):\quad k = \operatorname{round}(dN) \text{ flips},"
        r"\quad d = k/N"
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

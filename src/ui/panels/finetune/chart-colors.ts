/**
 * The fine-tuning charts' series colours, in one place for the panel's components. (Hex values as the panel always
 * had them; the chart family's palette module is meant to take these over.)
 */
export const COLORS = { clean: '#4e79a7', robust: '#e15759', fgsm: '#f28e2b', smoothed: '#2f5fb3', speed: '#59a14f', before: '#7a808a', after: '#2f5fb3', pause: '#8a5a00', warn: '#b3261e' };

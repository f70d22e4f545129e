/** The fine-tuning charts' series, each given its role's colour from the one palette (src/ui/colors.ts). */
import { ROLE } from '../../colors';

export const COLORS = {
  clean: ROLE.clean,
  robust: ROLE.robust,
  fgsm: ROLE.attack,
  smoothed: ROLE.main,
  speed: ROLE.speed,
  before: ROLE.reference,
  after: ROLE.main,
  pause: ROLE.pause,
  warn: ROLE.warn,
  raw: ROLE.raw,
};

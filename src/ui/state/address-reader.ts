/**
 * How a panel controller opens: the first mount — or the first after the address changed from outside (a lesson
 * step, a pasted link, see addressChanged) — reads the address and loads; later mounts only refresh what may have
 * changed elsewhere (the model list). Jobs and results are the controller's and are kept either way.
 */
import { currentAddressVersion } from './url-schema';

export class AddressReader {
  private opened: Promise<void> | null = null;
  private readAt = -1;

  open(load: () => Promise<void>, refresh: () => void): Promise<void> {
    if (this.opened && this.readAt === currentAddressVersion()) {
      refresh();
      return this.opened;
    }
    this.readAt = currentAddressVersion();
    this.opened = load();
    return this.opened;
  }

  /**
   * Whether the current address has been read. Until it has, the controller's form still holds the old scene, and
   * writing it back would overwrite the new address before it is read.
   */
  get current(): boolean {
    return this.readAt === currentAddressVersion();
  }

  /** A failed load is forgotten, so the next mount tries again. */
  forget(): void {
    this.opened = null;
  }
}

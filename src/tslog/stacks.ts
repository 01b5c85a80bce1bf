/**
 * Call stacks as a tree of frames: every distinct stack is one node, named by its innermost frame,
 * so a timeline is a list of node ids and comparing two stacks is comparing their paths.
 */

/** Functions that wait rather than work: busy-wait delays and sleeps (docs/formats.md). */
export const WAIT_FUNCTION = /^(?:DELAY|delay|kpause|pause|x86_pause)$|sleep|^cv_(?:timed)?wait/;
/** Functions that print on the console (tslog's palette draws `_vprintf` in its own colour). */
export const PRINT_FUNCTION = /printf|^aprint_|putchar|^cnput|^cngetc/;

/** What a frame is, for the summary's wait share and the chart's colours. */
export type FrameFamily = 'wait' | 'print' | 'other';

/** Tells what family a function belongs to. */
export function familyOf(func: string): FrameFamily {
  return WAIT_FUNCTION.test(func) ? 'wait' : PRINT_FUNCTION.test(func) ? 'print' : 'other';
}

/** The tree of every stack seen. Node 0 is the empty stack. */
export class StackTree {
  readonly parent: number[] = [-1];
  readonly label: string[] = [''];
  /** The function of the frame: the label without TSENTER2's argument. */
  readonly func: string[] = [''];
  readonly depth: number[] = [0];
  readonly family: FrameFamily[] = ['other'];
  /** Whether the frame or one of its callers is a wait. */
  readonly inWait: boolean[] = [false];
  /** Every label seen, numbered; then, per label number, its nodes by parent (small integer keys: no string is built per lookup). */
  private readonly labelIds = new Map<string, number>();
  private readonly byLabel: Map<number, number>[] = [];
  private readonly families = new Map<string, FrameFamily>();

  /** The node for `parent`'s stack with `label` called on top (made on first use). */
  child(parent: number, label: string, func: string = label): number {
    let labelId = this.labelIds.get(label);
    if (labelId === undefined) {
      this.labelIds.set(label, (labelId = this.labelIds.size));
      this.byLabel.push(new Map<number, number>());
    }
    const nodes = this.byLabel[labelId];
    let id = nodes.get(parent);
    if (id === undefined) {
      id = this.parent.length;
      this.parent.push(parent);
      this.label.push(label);
      this.func.push(func);
      this.depth.push(this.depth[parent] + 1);
      let family = this.families.get(func);
      if (family === undefined) this.families.set(func, (family = familyOf(func)));
      this.family.push(family);
      this.inWait.push(family === 'wait' || this.inWait[parent]);
      nodes.set(parent, id);
    }
    return id;
  }

  /** The nodes from the outermost frame to `node` (empty for node 0). */
  path(node: number): number[] {
    const out: number[] = new Array<number>(this.depth[node]);
    for (let n = node, i = this.depth[node] - 1; n > 0; n = this.parent[n], i--) out[i] = n;
    return out;
  }

  /** The labels from the outermost frame to `node`. */
  labels(node: number): string[] {
    return this.path(node).map((n) => this.label[n]);
  }

  /** `base`'s stack with the frames of `top` (a stack of another tree position) called on it. */
  graft(base: number, top: number): number {
    let n = base;
    for (const f of this.path(top)) n = this.child(n, this.label[f], this.func[f]);
    return n;
  }

  get size(): number {
    return this.parent.length;
  }
}

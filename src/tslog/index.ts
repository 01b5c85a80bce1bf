/** Boot profiles from tslog(4) traces: parse, profile, summarise, fold, diff and draw. */
export { parseTrace, TraceError, TSLOGSIZE, TS_ENTER, TS_EXIT, TS_THREAD, TS_EVENT, type Trace, type UserRecord, type RecordKind } from './trace';
export { profileTrace, repairCycles, spansOf, ROOT_FUNCTION, type Profile, type ProfileOptions, type Timeline, type Spans, type EventWait, type ThreadInfo, type Userland, type TraceOs } from './profile';
export { StackTree, WAIT_FUNCTION, PRINT_FUNCTION, familyOf, type FrameFamily } from './stacks';
export { summarize, functionTimes, foldedStacks, foldedText, diffProfiles, duration, type Summary, type Duration, type FunctionTime, type WaitCall, type FoldedStack, type FunctionDiff, type ProfileDiff } from './summary';
export { renderSvg, xmlEscape, fitLabel, frameColor, SVG_LAYOUT, type SvgOptions } from './svg';

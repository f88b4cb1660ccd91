// @ringtrain/optim: the optimizer side of a training step as pure math on flat Float32Arrays, matching PyTorch's
// formulas (torch.optim.SGD/AdamW, lr_scheduler, clip_grad_norm_/clip_grad_value_, timm's AGC).

export type { Optimizer, OptimizerName, OptimizerState } from './optimizer.js';
export { SGD, type SgdOptions } from './sgd.js';
export { AdamW, type AdamWOptions } from './adamw.js';
export { addL2Penalty } from './l2-penalty.js';

export { buildSchedule, SCHEDULER_NAMES, type LrSchedule, type RunLength, type ScheduleOptions, type SchedulerName } from './lr-schedule.js';
export { linearScaledLr } from './linear-scaling.js';
export { adaptToWorld, type WorldAdaptation } from './elastic-batch.js';

export { clipGradNorm, totalNorm, type ClipGradNormOptions, type NormType } from './clip-grad-norm.js';
export { clipGradValue } from './clip-grad-value.js';
export { adaptiveClipGrad, type AdaptiveClipOptions } from './adaptive-clip-grad.js';
export type { ParamSegment } from './param-segments.js';

export { Accumulator } from './accumulator.js';

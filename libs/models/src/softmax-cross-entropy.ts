// The two loops of softmax cross-entropy over a [N, C] block of logits in float64, shared by the tfjs op
// (cross-entropy.ts) and the native dense-stack step (dense-stack/dense-stack-gradients.ts), so both compute the
// same bits:
//
//   z = logits [N, C], y = labels [N]:
//     p_ic   = exp(z_ic − m_i) / Σ_c exp(z_ic − m_i),   m_i = max_c z_ic        (softmax, shifted for range)
//     loss_i = log Σ_c exp(z_ic − m_i) − (z_iy_i − m_i)                         (torch.nn.CrossEntropyLoss per sample)
//     ∂(factor · Σ_i loss_i)/∂z_ic = factor · (p_ic − [c = y_i])
//
// A NaN or +Infinity logit makes its row's loss NaN; a -Infinity logit is a class of probability 0, as in torch.

/**
 * Writes the softmax of every row of `logits` into `softmax` (both N·C long) and returns the mean loss over the rows.
 * `labels` are class ids in [0, C) (loss.ts's checkLabels).
 */
export function softmaxCrossEntropy(logits: Float32Array, labels: Int32Array, n: number, c: number, softmax: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const row = i * c;
    let max = -Infinity;
    for (let j = 0; j < c; j++) max = Math.max(max, logits[row + j]!);
    let total = 0;
    for (let j = 0; j < c; j++) {
      const e = Math.exp(logits[row + j]! - max);
      softmax[row + j] = e;
      total += e;
    }
    for (let j = 0; j < c; j++) softmax[row + j] = softmax[row + j]! / total;
    sum += Math.log(total) - (logits[row + labels[i]!]! - max);
  }
  return sum / n;
}

/** grad_ic = factor · (p_ic − [c = y_i]), from the softmax softmaxCrossEntropy wrote; grad is N·C long. */
export function softmaxCrossEntropyGradient(softmax: Float64Array, labels: Int32Array, n: number, c: number, factor: number, grad: Float32Array): void {
  for (let i = 0; i < n; i++) {
    const row = i * c;
    for (let j = 0; j < c; j++) grad[row + j] = factor * (softmax[row + j]! - (j === labels[i] ? 1 : 0));
  }
}

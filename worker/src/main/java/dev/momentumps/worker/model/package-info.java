/**
 * Models with analytic gradients over a flat float32 parameter vector: the diagonal
 * {@link dev.momentumps.worker.model.QuadraticModel}, {@link dev.momentumps.worker.model.LinearRegression},
 * {@link dev.momentumps.worker.model.LogisticRegression}, {@link dev.momentumps.worker.model.SoftmaxRegression}
 * and the one-hidden-layer {@link dev.momentumps.worker.model.Mlp}; {@link dev.momentumps.worker.model.Models}
 * builds them by name. Every model is stateless and thread-safe; gradients are accumulated in plain indexed
 * loops with no allocation per example. Losses are computed in double precision.
 */
package dev.momentumps.worker.model;

/**
 * Training data for the workers: {@link dev.momentumps.worker.data.DenseDataset} and
 * {@link dev.momentumps.worker.data.SparseDataset} (CSR), the text loaders
 * {@link dev.momentumps.worker.data.CsvLoader} and {@link dev.momentumps.worker.data.LibSvmLoader} (errors as
 * {@link dev.momentumps.worker.data.DataFormatException} with {@code file:line:column}),
 * {@link dev.momentumps.worker.data.Standardizer}, seeded {@link dev.momentumps.worker.data.Synthetic}
 * generators, and {@link dev.momentumps.worker.data.Shards} plus
 * {@link dev.momentumps.worker.data.MinibatchSampler} to split rows across workers and into minibatches.
 */
package dev.momentumps.worker.data;

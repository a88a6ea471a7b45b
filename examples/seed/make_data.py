"""Recreates the seed script's data exactly: the original Keras grid search drew it with numpy's legacy global
generator (numpy.random.seed(42); rand(1000, 10) then rand(200, 10)).

Run from this folder:  python3 make_data.py
Writes X_train.npy (1000 x 10) and X_test.npy (200 x 10), float64, C order, uniform in [0, 1).
numpy's legacy RandomState stream is frozen by NEP 19, so any numpy version gives the same bytes.
"""
import numpy as np

np.random.seed(42)
X_train = np.random.rand(1000, 10)
X_test = np.random.rand(200, 10)
np.save("X_train.npy", X_train)
np.save("X_test.npy", X_test)
print("X_train", X_train.shape, X_train.dtype, "first row", X_train[0, :3])
print("X_test ", X_test.shape, X_test.dtype, "first row", X_test[0, :3])

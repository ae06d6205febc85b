# SPDX-License-Identifier: GPL-2.0-or-later
# Type hints of the pulsetrain package (the implementation is __init__.py over _core).
import datetime
import os
from typing import Any, Literal, Sequence, overload

import numpy as np
import numpy.typing as npt
import pandas as pd

__version__: str

_Path = str | os.PathLike[str]
_Array = npt.ArrayLike
_F64 = npt.NDArray[np.float64]
_Start = str | float | datetime.datetime | pd.Timestamp | np.datetime64 | None

class Error(Exception): ...
class InvalidArgumentError(Error, ValueError): ...
class DTypeError(InvalidArgumentError, TypeError): ...
class DataError(Error, ValueError): ...
class FormatError(DataError): ...
class UnsupportedError(Error, ValueError): ...
class IOError(Error, OSError): ...
class InternalError(Error, RuntimeError): ...
class CancelledError(Error): ...

class Summary:
    tables: dict[str, pd.DataFrame]
    attrs: dict[str, Any]
    channels: pd.DataFrame
    def __init__(self, raw: dict[str, Any]) -> None: ...
    def __getitem__(self, name: str) -> pd.DataFrame: ...
    def __getattr__(self, name: str) -> pd.DataFrame: ...

def options() -> dict[str, Literal["params", "read", "run"]]: ...
def defaults(**options: Any) -> dict[str, Any]: ...
def process(path: _Path, *, out: _Path | None = ..., **options: Any) -> Summary: ...
def analyse(
    ppg: _Array | None = ...,
    fs_ppg: float | None = ...,
    acc: _Array | Sequence[_Array] | None = ...,
    fs_acc: float | None = ...,
    hr: _Array | None = ...,
    fs_hr: float | None = ...,
    *,
    t_hr: _Array | None = ...,
    ecg: _Array | None = ...,
    fs_ecg: float | None = ...,
    ibi: _Array | None = ...,
    t_ibi: _Array | None = ...,
    start: _Start = ...,
    ppg_units: str | None = ...,
    acc_units: str = ...,
    ecg_units: str | None = ...,
    t0_ppg: float = ...,
    t0_acc: float = ...,
    t0_hr: float = ...,
    t0_ecg: float = ...,
    out: _Path | None = ...,
    **options: Any,
) -> Summary: ...

analyze = analyse

def read_summary(path: _Path) -> Summary: ...

_BType = Literal["lowpass", "low", "lp", "highpass", "high", "hp", "bandpass", "band", "bp",
                 "pass", "bandstop", "stop", "bs"]

@overload
def butter(N: int, Wn: float | Sequence[float], btype: _BType = ..., analog: bool = ...,
           output: Literal["ba"] = ..., fs: float | None = ...) -> tuple[_F64, _F64]: ...
@overload
def butter(N: int, Wn: float | Sequence[float], btype: _BType = ..., analog: bool = ...,
           *, output: Literal["sos"], fs: float | None = ...) -> _F64: ...
@overload
def butter(N: int, Wn: float | Sequence[float], btype: _BType = ..., analog: bool = ...,
           *, output: Literal["zpk"],
           fs: float | None = ...) -> tuple[npt.NDArray[Any], npt.NDArray[Any], float]: ...
@overload
def sosfilt(sos: _Array, x: _Array, axis: int = ..., zi: None = ...) -> _F64: ...
@overload
def sosfilt(sos: _Array, x: _Array, axis: int = ..., *, zi: _Array) -> tuple[_F64, _F64]: ...
def sosfiltfilt(sos: _Array, x: _Array, axis: int = ..., padtype: Literal["odd"] = ...,
                padlen: None = ...) -> _F64: ...
def welch(x: _Array, fs: float = ..., window: str = ..., nperseg: int | None = ...,
          noverlap: int | None = ..., nfft: int | None = ...,
          detrend: Literal["constant", "linear", False] = ..., return_onesided: bool = ...,
          scaling: Literal["density", "spectrum"] = ..., axis: int = ...,
          average: Literal["mean", "median"] = ...) -> tuple[_F64, _F64]: ...
def find_peaks(x: _Array, height: float | tuple[float | None, float | None] | None = ...,
               threshold: None = ..., distance: float | None = ...,
               prominence: float | tuple[float | None, float | None] | None = ...,
               width: None = ..., wlen: None = ..., rel_height: float = ...,
               plateau_size: None = ...) -> tuple[npt.NDArray[np.intp], dict[str, _F64]]: ...
def resample_poly(x: _Array, up: int, down: int, axis: int = ...,
                  window: tuple[str, float] = ..., padtype: str = ...,
                  cval: float | None = ...) -> _F64: ...

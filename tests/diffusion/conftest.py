import pytest
import torch


@pytest.fixture(autouse=True)
def one_torch_thread():
    """The batches here are tiny: on a busy 2-core machine a second OpenMP thread only adds barrier waits."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)

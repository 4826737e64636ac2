import pytest

from tests.drp_agent import DjangoTransport, DrpTestAgent, load_directory
from tests.requests_app.flow_helpers import maya_consumer


@pytest.fixture
def maya():
    return maya_consumer()  # README's demo person, as she is in our records


@pytest.fixture
def agent(client, tmp_path):
    test_agent = DrpTestAgent(DjangoTransport(client))
    load_directory(tmp_path, test_agent)
    status, data, _response = test_agent.setup()
    assert status == 200, data
    return test_agent

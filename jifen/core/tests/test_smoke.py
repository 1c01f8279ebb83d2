from jifen.org.tests.factories import PASSWORD


def test_a_learner_logs_in_with_their_employee_number_and_sees_home(client, org):
    learner = org.person(name="郑雨桐")
    response = client.post("/accounts/login/", {"username": learner.employee_no, "password": PASSWORD})
    assert response.status_code == 302
    home = client.get("/")
    assert home.status_code == 200
    assert "郑雨桐" in home.content.decode()

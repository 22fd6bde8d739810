from decimal import Decimal

from visits.models import Visit
from visits.selectors import visit_route_order


def stop(pk, lat=None, lon=None, district="", address=""):
    return Visit(pk=pk, latitude=None if lat is None else Decimal(lat), longitude=None if lon is None else Decimal(lon),
                 district=district, address=address)


def test_the_route_visits_the_nearest_stop_next():
    # Along a line of longitude: 1 at 0.00, 2 at 0.30, 3 at 0.10, 4 at 0.20. The route goes 1, 3, 4, 2.
    stops = [stop(1, "31.00", "121.00"), stop(2, "31.30", "121.00"), stop(3, "31.10", "121.00"),
             stop(4, "31.20", "121.00")]
    assert [v.pk for v in visit_route_order(stops)] == [1, 3, 4, 2]


def test_the_route_starts_at_the_first_stop_even_when_it_is_at_an_end():
    stops = [stop(1, "31.30", "121.00"), stop(2, "31.00", "121.00"), stop(3, "31.20", "121.00")]
    assert [v.pk for v in visit_route_order(stops)] == [1, 3, 2]


def test_stops_without_coordinates_follow_by_district():
    stops = [stop(1, district="静安", address="b"), stop(2, "31.00", "121.00"), stop(3, district="徐汇"),
             stop(4, district="静安", address="a")]
    assert [v.pk for v in visit_route_order(stops)] == [2, 3, 4, 1]

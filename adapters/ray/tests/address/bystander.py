"""The bystander of adapters/ray/test-address.sh: a named detached actor of a user's own, made with state 42 (`make`), then checked (`check`)."""
import sys, ray
ray.init(address=sys.argv[1], namespace="bystander", log_to_driver=False)
@ray.remote
class Keeper:
    def __init__(self): self.v = 41
    def incr(self):
        self.v += 1
        return self.v
    def value(self): return self.v
if sys.argv[2] == "make":
    k = Keeper.options(name="precious", lifetime="detached").remote()
    print("made", ray.get(k.incr.remote()))
else:
    k = ray.get_actor("precious", namespace="bystander")
    import ray._private.state as st
    states = [a["State"] for a in st.state.actor_table(None).values() if a["Name"] == "precious"]
    print("check value", ray.get(k.value.remote()), "state", states)

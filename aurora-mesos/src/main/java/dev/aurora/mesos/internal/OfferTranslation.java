package dev.aurora.mesos.internal;

import dev.aurora.core.Offer;
import dev.aurora.core.PortRange;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import org.apache.mesos.v1.Protos;

/**
 * A Mesos offer as the core's offers: one for its regular resources and, if it holds any, one for its
 * revocable resources (id suffixed {@value #REVOCABLE_SUFFIX}). Scalars {@code cpus}, {@code mem},
 * {@code disk}, {@code gpus} and the {@code ports} ranges are understood, of any role or reservation the
 * master allocated to the framework; other resources are reported as unknown and left alone.
 * Attributes become text: a scalar as its number, ranges as {@code [a-b,c-d]}, a set as {@code {a,b}}.
 */
public final class OfferTranslation {
  public static final String REVOCABLE_SUFFIX = "/revocable";
  static final Set<String> KNOWN = Set.of("cpus", "mem", "disk", "gpus", "ports");

  private OfferTranslation() {}

  /** The core offers for {@code offer}; {@code unknown} hears of each resource it does not know (name, detail). */
  public static List<Offer> toCore(Protos.Offer offer, BiConsumer<String, String> unknown) {
    Part regular = new Part();
    Part revocable = new Part();
    for (Protos.Resource r : offer.getResourcesList()) {
      Part p = r.hasRevocable() ? revocable : regular;
      if (!KNOWN.contains(r.getName())) {
        unknown.accept(r.getName(), r.getType() + " on agent " + offer.getAgentId().getValue());
        continue;
      }
      if (r.getName().equals("ports")) {
        if (r.getType() != Protos.Value.Type.RANGES) {
          unknown.accept("ports", "of type " + r.getType());
          continue;
        }
        for (Protos.Value.Range range : r.getRanges().getRangeList()) {
          if (range.getBegin() < 1 || range.getEnd() > 65535 || range.getEnd() < range.getBegin()) {
            unknown.accept("ports", "range " + range.getBegin() + "-" + range.getEnd() + " outside 1-65535");
            continue;
          }
          p.ports.add(PortRange.of((int) range.getBegin(), (int) range.getEnd()));
        }
        p.any = true;
        continue;
      }
      if (r.getType() != Protos.Value.Type.SCALAR) {
        unknown.accept(r.getName(), "of type " + r.getType());
        continue;
      }
      double v = r.getScalar().getValue();
      switch (r.getName()) {
        case "cpus" -> p.cpus += v;
        case "mem" -> p.mem += v;
        case "disk" -> p.disk += v;
        case "gpus" -> p.gpus += v;
        default -> throw new AssertionError(r.getName());
      }
      p.any = true;
    }
    Map<String, String> attributes = attributes(offer.getAttributesList());
    List<Offer> out = new ArrayList<>(2);
    if (regular.any) {
      out.add(regular.build(offer.getId().getValue(), offer, attributes, false));
    }
    if (revocable.any) {
      out.add(revocable.build(offer.getId().getValue() + REVOCABLE_SUFFIX, offer, attributes, true));
    }
    return out;
  }

  /** The Mesos offer id a core offer id stands for. */
  public static String mesosId(String coreId) {
    return coreId.endsWith(REVOCABLE_SUFFIX) ? coreId.substring(0, coreId.length() - REVOCABLE_SUFFIX.length())
        : coreId;
  }

  static Map<String, String> attributes(List<Protos.Attribute> list) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Protos.Attribute a : list) {
      out.put(a.getName(), switch (a.getType()) {
        case TEXT -> a.getText().getValue();
        case SCALAR -> number(a.getScalar().getValue());
        case RANGES -> "[" + String.join(",", a.getRanges().getRangeList().stream()
            .map(r -> r.getBegin() + "-" + r.getEnd()).toList()) + "]";
        case SET -> "{" + String.join(",", a.getSet().getItemList()) + "}";
      });
    }
    return out;
  }

  private static String number(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
  }

  private static final class Part {
    double cpus;
    double mem;
    double disk;
    double gpus;
    final List<PortRange> ports = new ArrayList<>();
    boolean any;

    Offer build(String id, Protos.Offer offer, Map<String, String> attributes, boolean revocable) {
      return Offer.builder().id(id).agentId(offer.getAgentId().getValue()).hostname(offer.getHostname())
          .attributes(attributes).cpus(cpus).ramMb((long) Math.floor(mem)).diskMb((long) Math.floor(disk))
          .gpus((int) Math.floor(gpus)).ports(ports).revocable(revocable).build();
    }
  }
}
